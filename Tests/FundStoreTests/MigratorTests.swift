import Foundation
import FundCore
import FundStore
import FundTestSupport
import Testing

@Suite("Migrations")
struct MigratorTests {
    static let migrations = [
        Migration(version: 1, name: "first", sql: "CREATE TABLE a (id int); INSERT INTO a VALUES (1);"),
        Migration(
            version: 2, name: "second",
            sql: "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$; CREATE TABLE b (id int);"),
    ]

    static func withEmptyDatabase(_ body: @Sendable (Database) async throws -> Void) async throws {
        let configuration = try await TestCluster.shared.makeEmptyDatabase()
        try await Database.with(
            configuration, logger: TestCluster.logger, maximumConnections: 8, reachableWithin: TestCluster.patience,
            body)
        try await TestCluster.shared.drop(configuration)
    }

    @Test func appliesEachFileOnceAndRecordsIt() async throws {
        try await Self.withEmptyDatabase { database in
            let migrator = Migrator(migrations: Self.migrations)
            #expect(try await migrator.migrate(database).map(\.version) == [1, 2])
            #expect(try await migrator.migrate(database).isEmpty)
            let count = try await database.query("SELECT count(*)::bigint FROM a").decode(Int64.self).reduce(0, +)
            #expect(count == 1)
            let states = try await migrator.status(database)
            #expect(states.allSatisfy { $0.appliedAt != nil && !$0.changed })
        }
    }

    @Test func concurrentMigratorsApplyEachFileExactlyOnce() async throws {
        try await Self.withEmptyDatabase { database in
            let migrator = Migrator(migrations: Self.migrations)
            let applied = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await migrator.migrate(database).count } }
                return try await group.reduce(0, +)
            }
            #expect(applied == 2)
        }
    }

    @Test func anEditedAppliedFileStopsEverything() async throws {
        try await Self.withEmptyDatabase { database in
            try await Migrator(migrations: [Self.migrations[0]]).migrate(database)
            let edited = Migration(version: 1, name: "first", sql: "CREATE TABLE a (id bigint);")
            let migrator = Migrator(migrations: [edited, Self.migrations[1]])
            await #expect(throws: FundError.migrationChanged(file: "0001_first.sql")) {
                try await migrator.migrate(database)
            }
            #expect(try await migrator.status(database).map(\.changed) == [true, false])
            let functions = try await database.query("SELECT count(*)::bigint FROM pg_proc WHERE proname = 'f'")
                .decode(Int64.self).reduce(0, +)
            #expect(functions == 0)
        }
    }

    @Test func aFailingFileRollsBackWholeAndNamesItself() async throws {
        try await Self.withEmptyDatabase { database in
            let broken = Migration(version: 3, name: "broken", sql: "CREATE TABLE c (id int); SELECT * FROM missing;")
            await #expect {
                try await Migrator(migrations: [broken]).migrate(database)
            } throws: { error in
                guard case .migrationFailed(let file, let reason) = error as? FundError else { return false }
                return file == "0003_broken.sql" && reason.contains("missing")
            }
            let tables = try await database.query("SELECT count(*)::bigint FROM pg_tables WHERE tablename = 'c'")
                .decode(Int64.self).reduce(0, +)
            #expect(tables == 0)
        }
    }

    @Test func theSchemaFolderLoadsInOrder() throws {
        let migrator = try Migrator.fromSchemaFolder()
        #expect(migrator.migrations.first?.fileName == "0001_organisations_envelopes_calls.sql")
        #expect(migrator.migrations.map(\.version) == migrator.migrations.map(\.version).sorted())
    }
}
