import Foundation
import FundCore
import PostgresNIO

/// What an import did; importing the same file twice gives all zeros the second time.
public struct ImportSummary: Sendable, Equatable {
    public var organisationsCreated = 0
    public var labelsAdded = 0
    public var unchanged = 0

    public init() {}
}

/// The network directory in PostgreSQL.
public struct OrganisationRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// Adds an organisation with its label periods; a taken name is refused.
    @discardableResult
    public func add(_ organisation: Organisation) async throws -> Int64 {
        let (organisation, issues) = organisation.validated()
        guard issues.isEmpty else { throw FundError.validation(issues) }
        let name = organisation.name
        return try await database.transaction { connection in
            let rows = try await connection.query(
                """
                INSERT INTO organisations (name, kind, city, country, siret, rna)
                VALUES (\(name), \(organisation.kind.rawValue), \(organisation.city), \(organisation.country),
                        \(organisation.siret), \(organisation.rna))
                ON CONFLICT ((lower(name))) DO NOTHING
                RETURNING id
                """)
            guard let id = try await rows.decode(Int64.self).first(where: { _ in true }) else {
                throw FundError.duplicate(kind: "organisation", name: name)
            }
            for label in organisation.labels {
                try await connection.query(
                    """
                    INSERT INTO label_periods (organisation_id, awarded_on, expires_on)
                    VALUES (\(id), \(label.awarded.description)::date, \(label.expires.description)::date)
                    """)
            }
            return id
        }
    }

    /// Imports a directory file all or nothing: any conflict with what is stored refuses the whole file.
    public func importEntries(_ entries: [OrganisationImport.Entry]) async throws -> ImportSummary {
        try await database.transaction { connection in
            var summary = ImportSummary()
            var issues: [RowIssue] = []
            for entry in entries {
                let organisation = entry.organisation
                let inserted = try await connection.query(
                    """
                    INSERT INTO organisations (name, kind, city, country, siret, rna)
                    VALUES (\(organisation.name), \(organisation.kind.rawValue), \(organisation.city), \(organisation.country),
                            \(organisation.siret), \(organisation.rna))
                    ON CONFLICT ((lower(name))) DO NOTHING
                    RETURNING id
                    """
                ).decode(Int64.self).first(where: { _ in true })
                let id: Int64
                if let inserted {
                    id = inserted
                    summary.organisationsCreated += 1
                } else {
                    let stored = try await connection.query(
                        """
                        SELECT id, kind, city, country, siret, rna FROM organisations
                        WHERE lower(name) = lower(\(organisation.name))
                        """
                    ).decode((Int64, String, String, String, String?, String?).self).first(where: { _ in true })
                    guard let stored else { continue }
                    // Identifiers a file gives for the first time are added; different ones are a conflict.
                    if stored.1 != organisation.kind.rawValue || stored.2 != organisation.city
                        || stored.3 != organisation.country
                        || (stored.4 != nil && organisation.siret != nil && stored.4 != organisation.siret)
                        || (stored.5 != nil && organisation.rna != nil && stored.5 != organisation.rna)
                    {
                        issues.append(
                            RowIssue(
                                line: entry.line,
                                reason:
                                    "\(organisation.name) is already stored as \(stored.1) in \(stored.2), \(stored.3)")
                        )
                        continue
                    }
                    id = stored.0
                    if (stored.4 == nil && organisation.siret != nil) || (stored.5 == nil && organisation.rna != nil) {
                        try await connection.query(
                            """
                            UPDATE organisations SET siret = coalesce(siret, \(organisation.siret)),
                                rna = coalesce(rna, \(organisation.rna))
                            WHERE id = \(id)
                            """)
                    }
                }
                for label in organisation.labels {
                    let added = try await connection.query(
                        """
                        INSERT INTO label_periods (organisation_id, awarded_on, expires_on)
                        VALUES (\(id), \(label.awarded.description)::date, \(label.expires.description)::date)
                        ON CONFLICT (organisation_id, awarded_on) DO NOTHING
                        RETURNING 1
                        """
                    ).decode(Int.self).first(where: { _ in true })
                    if added != nil {
                        summary.labelsAdded += 1
                        continue
                    }
                    let expires = try await connection.query(
                        """
                        SELECT expires_on::text FROM label_periods
                        WHERE organisation_id = \(id) AND awarded_on = \(label.awarded.description)::date
                        """
                    ).decode(String.self).first(where: { _ in true })
                    if expires != label.expires.description {
                        issues.append(
                            RowIssue(
                                line: entry.line,
                                reason: "\(organisation.name)'s label of \(label.awarded) is stored as expiring on "
                                    + "\(expires ?? "?"), not \(label.expires)"))
                    }
                }
                if inserted == nil { summary.unchanged += 1 }
            }
            if !issues.isEmpty { throw FundError.importRejected(issues.sorted { $0.line < $1.line }) }
            return summary
        }
    }

    public func list() async throws -> [Organisation] {
        try await organisations(matching: nil)
    }

    /// Finds an organisation by id or by name (any case).
    public func find(_ reference: String) async throws -> Organisation {
        guard let organisation = try await organisations(matching: reference).first else {
            throw FundError.notFound(kind: "org", reference: reference)
        }
        return organisation
    }

    /// All organisations by kind and name, or the one whose id or name is `reference`.
    private func organisations(matching reference: String?) async throws -> [Organisation] {
        let id = reference.flatMap { Int64($0) } ?? -1
        let rows = try await database.query(
            """
            SELECT o.id, o.name, o.kind, o.city, o.country, \(unescaped: Self.labelsColumn), o.siret, o.rna
            FROM organisations o LEFT JOIN label_periods l ON l.organisation_id = o.id
            WHERE NOT \(reference != nil) OR o.id = \(id) OR lower(o.name) = lower(\(reference ?? ""))
            GROUP BY o.id ORDER BY (o.id = \(id)) DESC, o.kind, o.name
            """)
        return try rows.decode((Int64, String, String, String, String, String, String?, String?).self).map {
            var organisation = try Self.organisation($0.0, $0.1, $0.2, $0.3, $0.4, $0.5)
            (organisation.siret, organisation.rna) = ($0.6, $0.7)
            return organisation
        }
    }

    /// Records an organisation's SIRET and RNA number (nil: leave as stored; "" clears it).
    public func identify(_ organisationId: Int64, siret: String?, rna: String?, actor: String? = nil) async throws
        -> Organisation
    {
        let siret = try siret.map { try RegistryIdentifier.siret($0) ?? "" }
        let rna = try rna.map { try RegistryIdentifier.rna($0) ?? "" }
        try await database.query(
            """
            UPDATE organisations
            SET siret = CASE WHEN \(siret)::text IS NULL THEN siret ELSE nullif(\(siret), '') END,
                rna = CASE WHEN \(rna)::text IS NULL THEN rna ELSE nullif(\(rna), '') END
            WHERE id = \(organisationId)
            """, actor: actor)
        return try await find(String(organisationId))
    }

    /// An organisation's label periods as one text ("awarded/expires,..."), with `l` joined as
    /// its label_periods and grouped by organisation; `organisation(...)` reads it back.
    static let labelsColumn =
        "coalesce(string_agg(l.awarded_on::text || '/' || l.expires_on::text, ',' ORDER BY l.awarded_on), '')"

    static func organisation(
        _ id: Int64, _ name: String, _ kind: String, _ city: String, _ country: String, _ labels: String
    ) throws -> Organisation {
        let periods = try labels.split(separator: ",").map { pair -> LabelPeriod in
            let days = pair.split(separator: "/")
            return try LabelPeriod(
                awarded: CalendarDay(parsing: String(days[0])), expires: CalendarDay(parsing: String(days[1])))
        }
        return Organisation(
            id: id, name: name, kind: try OrganisationKind(parsing: kind), city: city, country: country, labels: periods
        )
    }
}
