import FundCore
import Testing

@Suite("CSV and the directory import")
struct ImportTests {
    @Test func csvFollowsRFC4180() throws {
        let text = "\u{FEFF}a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\r\nlast,,\n"
        let records = try CSV.parse(text)
        #expect(records.map(\.fields) == [["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"], ["last", "", ""]])
        #expect(records.map(\.line) == [1, 2, 5])
        #expect(CSV.line(["x, y", "say \"hi\"", "plain"]) == "\"x, y\",\"say \"\"hi\"\"\",plain\r\n")
        #expect(throws: FundError.self) { try CSV.parse("a,\"open\n") }
    }

    static let header = "name,kind,city,country,label_awarded,label_expires\n"

    @Test func rowsOfOneNameMergeIntoLabelPeriods() throws {
        let entries = try OrganisationImport.parse(
            Self.header + """
                French Tech Lyon,capital,Lyon,France,2014-11-12,
                French Tech Lyon,capital,Lyon,France,2024-03-01,2027-03-01
                French Tech Tokyo,community_abroad,Tokyo,Japan,2023-05-10,
                """)
        #expect(entries.map(\.organisation.name) == ["French Tech Lyon", "French Tech Tokyo"])
        #expect(entries[0].organisation.labels.map(\.awarded.description) == ["2014-11-12", "2024-03-01"])
        #expect(entries[0].organisation.labels[0].expires.description == "2017-11-12")
        #expect(entries.map(\.line) == [2, 4])
    }

    @Test func everyBadRowIsReportedWithItsLine() {
        let text =
            Self.header + """
                French Tech Lyon,capital,Lyon,France,2024-03-01,
                ,capital,Nowhere,France,2024-03-01,
                French Tech Mars,planet,Olympus,Mars,2024-03-01,
                French Tech Nice,capital,Nice,France,2024-02-30,
                French Tech Brest,capital,Brest,France,2024-03-01,2023-01-01
                French Tech Lyon,community_fr,Lyon,France,2025-03-01,
                too,few
                """
        #expect {
            try OrganisationImport.parse(text)
        } throws: { error in
            guard case .importRejected(let issues) = error as? FundError else { return false }
            return issues.map(\.line) == [3, 4, 5, 6, 7, 8]
                && issues[0].reason.contains("name: the field is empty")
                && issues[1].reason.contains("\"planet\" is not a kind")
                && issues[2].reason.contains("that month has 29 days")
                && issues[3].reason.contains("expires (2023-01-01) before it is awarded")
                && issues[4].reason.contains("appears earlier with another kind")
                && issues[5].reason.contains("expected 6 fields, found 2")
        }
    }

    @Test func identifiersMayFollowAndAreChecked() throws {
        let entries = try OrganisationImport.parse(
            """
            name,kind,city,country,label_awarded,label_expires,siret,rna
            French Tech Lyon,capital,Lyon,France,2023-04-01,,130 025 265 00013,
            French Tech Lyon,capital,Lyon,France,2020-04-01,2023-04-01,,
            Station F Asso,community_fr,Paris,France,2023-04-01,,,w751234567
            """)
        #expect(entries.map(\.organisation.siret) == ["13002526500013", nil])
        #expect(entries.map(\.organisation.rna) == [nil, "W751234567"])
        #expect(entries[0].organisation.labels.count == 2)
        #expect {
            try OrganisationImport.parse(
                "name,kind,city,country,label_awarded,label_expires,siret,rna\nA,capital,Lyon,France,2023-04-01,,12345678900012,\n"
            )
        } throws: { error in
            guard case FundError.importRejected(let issues) = error else { return false }
            return issues.map(\.line) == [2] && issues[0].reason.contains("is not a SIRET")
        }
    }

    @Test func aWrongHeaderIsRefused() {
        #expect(
            throws: FundError.importRejected([
                RowIssue(
                    line: 1,
                    reason:
                        "the header must be name,kind,city,country,label_awarded,label_expires, optionally followed by siret,rna"
                )
            ])
        ) {
            try OrganisationImport.parse("name,type\nA,capital\n")
        }
    }
}

@Suite("CSV cells that are safe to open")
struct CSVSafetyTests {
    @Test func formulasAreNeutralisedAndNumbersStayNumbers() {
        #expect(
            CSV.line(["=1+1", "+33 6 12 34 56 78", "-2+3", "@SUM(A1)", "\tx", "\rx"])
                == "'=1+1,'+33 6 12 34 56 78,'-2+3,'@SUM(A1),'\tx,\"'\rx\"\r\n")
        #expect(
            CSV.line(["-12.50", "-1 500,00", "+3", "1500000.00", "-", "- 12"], separator: ";")
                == "-12.50;-1 500,00;+3;1500000.00;'-;'- 12\r\n")
        #expect(CSV.line(["Tremplin", "l'=égalité", "'=already"]) == "Tremplin,l'=égalité,'=already\r\n")
    }

    @Test func whatCfundWroteReadsBackAsItWas() throws {
        let cells = ["=HYPERLINK(\"x\")", "-2+3", "@cmd", "plain", "-12.50", "\tTab"]
        let records = try CSV.parse(CSV.line(cells))
        #expect(records.first?.fields == cells)
    }
}
