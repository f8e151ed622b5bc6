import FundCore

/// The French Tech network as the source documents describe it: 16 Capitals (the ten 2014
/// metropoles among them), 32 Communities in France and 66 abroad, written as the directory CSV
/// that `cfund org import` reads, so the demo goes through the same path as a real import.
enum DemoNetwork {
    /// The ten metropoles labelled in the first wave, 2014.
    static let firstWave = [
        "Paris", "Aix-Marseille", "Bordeaux", "Grenoble", "Lille", "Lyon", "Nantes", "Montpellier", "Rennes",
        "Toulouse",
    ]
    /// Capitals labelled later; the last three hold only a 2023 label, so the 2024 call refuses them.
    static let laterCapitals = ["Côte d'Azur", "Est", "Brest+", "Normandie", "Loire Valley", "Clermont Auvergne"]
    static let labelledOnlyIn2023: Set<String> = ["Normandie", "Loire Valley", "Clermont Auvergne"]

    static let communitiesInFrance = [
        "Amiens", "Angers", "Annecy", "Avignon", "Besançon", "Bourgogne", "Caen", "Chambéry", "Guadeloupe",
        "La Réunion",
        "La Rochelle", "Le Mans", "Limoges", "Martinique", "Metz", "Mulhouse", "Nancy", "Nîmes", "Orléans", "Pau",
        "Pays Basque", "Perpignan", "Poitiers", "Reims", "Rouen", "Saint-Étienne", "Toulon", "Tours", "Troyes",
        "Valence", "Vendée", "Vannes",
    ]

    static let communitiesAbroad: [(city: String, country: String)] = [
        ("Abidjan", "Côte d'Ivoire"), ("Abu Dhabi", "United Arab Emirates"), ("Amsterdam", "Netherlands"),
        ("Athens", "Greece"), ("Austin", "United States"), ("Bangalore", "India"), ("Bangkok", "Thailand"),
        ("Barcelona", "Spain"), ("Beirut", "Lebanon"), ("Berlin", "Germany"), ("Bogotá", "Colombia"),
        ("Boston", "United States"), ("Brussels", "Belgium"), ("Bucharest", "Romania"), ("Buenos Aires", "Argentina"),
        ("Cairo", "Egypt"), ("Cape Town", "South Africa"), ("Chicago", "United States"), ("Copenhagen", "Denmark"),
        ("Dakar", "Senegal"), ("Dubai", "United Arab Emirates"), ("Dublin", "Ireland"), ("Geneva", "Switzerland"),
        ("Ho Chi Minh City", "Vietnam"), ("Hong Kong", "China"), ("Istanbul", "Türkiye"), ("Jakarta", "Indonesia"),
        ("Kyiv", "Ukraine"), ("Lagos", "Nigeria"), ("Lisbon", "Portugal"), ("London", "United Kingdom"),
        ("Los Angeles", "United States"), ("Luxembourg", "Luxembourg"), ("Madrid", "Spain"), ("Manila", "Philippines"),
        ("Melbourne", "Australia"), ("Mexico City", "Mexico"), ("Miami", "United States"), ("Milan", "Italy"),
        ("Montréal", "Canada"), ("Mumbai", "India"), ("Munich", "Germany"), ("Nairobi", "Kenya"),
        ("New York", "United States"), ("Oslo", "Norway"), ("Prague", "Czechia"), ("Québec", "Canada"),
        ("Rabat", "Morocco"), ("Riyadh", "Saudi Arabia"), ("Rome", "Italy"), ("San Francisco", "United States"),
        ("Santiago", "Chile"), ("São Paulo", "Brazil"), ("Seoul", "South Korea"), ("Shanghai", "China"),
        ("Singapore", "Singapore"), ("Stockholm", "Sweden"), ("Sydney", "Australia"), ("Taipei", "Taiwan"),
        ("Tel Aviv", "Israel"), ("Tokyo", "Japan"), ("Toronto", "Canada"), ("Tunis", "Tunisia"),
        ("Vancouver", "Canada"), ("Vienna", "Austria"), ("Warsaw", "Poland"),
    ]

    /// The directory file: first-wave Capitals carry their 2014 label and a 2024 renewal; the
    /// others a 2021, 2023 or 2024 label; Communities spread over 2022-2024.
    /// Capitals and Communities in France have a SIRET (made up: 999 and a serial, with a valid
    /// check key), every other Community in France an RNA number too; Communities abroad none.
    static var csv: String {
        var lines = [(OrganisationImport.header + OrganisationImport.identifiers).joined(separator: ",")]
        var serials: [String: Int] = [:]
        func add(_ name: String, _ kind: OrganisationKind, _ city: String, _ country: String, _ awarded: String) {
            var ids = ["", ""]
            if kind != .communityAbroad {
                let serial = serials[name] ?? serials.count + 1
                serials[name] = serial
                ids[0] = siret(serial)
                if kind == .communityFrance && serial % 2 == 0 { ids[1] = "W99\(String(format: "%07d", serial))" }
            }
            lines.append(
                CSV.line([name, kind.rawValue, city, country, awarded, ""] + ids).trimmingSuffix("\r\n"))
        }
        for (index, city) in firstWave.enumerated() {
            add("French Tech \(city)", .capital, city, "France", "2014-11-12")
            add("French Tech \(city)", .capital, city, "France", "2024-0\(1 + index % 9)-1\(index % 10)")
        }
        for (index, city) in laterCapitals.enumerated() {
            let year = labelledOnlyIn2023.contains(city) ? "2023" : "2024"
            add("French Tech \(city)", .capital, city, "France", "\(year)-0\(2 + index)-15")
        }
        for (index, city) in communitiesInFrance.enumerated() {
            add(
                "French Tech \(city)", .communityFrance, city, "France", "\(2022 + index % 3)-\(pad(1 + index % 12))-01"
            )
        }
        for (index, place) in communitiesAbroad.enumerated() {
            add(
                "French Tech \(place.city)", .communityAbroad, place.city, place.country,
                "\(2022 + index % 3)-\(pad(1 + (index * 5) % 12))-10")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }

    /// A made-up SIRET: 999, the serial on 10 digits, and the Luhn check digit.
    static func siret(_ serial: Int) -> String {
        let body = "999" + String(format: "%010d", serial)
        let check = (0...9).first { RegistryIdentifier.isValidSIRET(body + String($0)) } ?? 0
        return body + String(check)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
