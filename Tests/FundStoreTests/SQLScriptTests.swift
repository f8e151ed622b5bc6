import FundStore
import Testing

@Suite("SQL script splitter")
struct SQLScriptTests {
    @Test func splitsOnSemicolonsBetweenStatements() {
        #expect(SQLScript.statements(in: "SELECT 1; SELECT 2;\n\nSELECT 3") == ["SELECT 1", "SELECT 2", "SELECT 3"])
    }

    @Test func keepsSemicolonsInsideQuotesAndIdentifiers() {
        let script = "INSERT INTO t VALUES ('a;b', 'it''s; fine'); SELECT \"odd;name\" FROM t;"
        #expect(
            SQLScript.statements(in: script) == [
                "INSERT INTO t VALUES ('a;b', 'it''s; fine')", "SELECT \"odd;name\" FROM t",
            ])
    }

    @Test func keepsEscapeStringsWhole() {
        #expect(SQLScript.statements(in: "SELECT E'\\';'; SELECT 2") == ["SELECT E'\\';'", "SELECT 2"])
    }

    @Test func keepsDollarQuotedBodiesWhole() {
        let script = """
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM 1; -- a comment; with a semicolon
                RETURN 2;
            END
            $$;
            CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT '$$;' $body$;
            SELECT $1;
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 3)
        #expect(statements[0].hasSuffix("END\n$$"))
        #expect(statements[1] == "CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT '$$;' $body$")
        #expect(statements[2] == "SELECT $1")
    }

    @Test func ignoresCommentsAndDropsCommentOnlyStatements() {
        let script = """
            -- header; with a semicolon
            /* block; /* nested; */ still comment; */
            SELECT 1; -- trailing
            -- only a comment;
            ;
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 1)
        #expect(statements[0].hasSuffix("SELECT 1"))
    }
}
