import ArgumentParser
import Foundation
import FundCore

#if canImport(Glibc)
    import Glibc
#endif

@main
struct CFund: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cfund",
        abstract:
            "Run the French Tech Community Fund: envelopes, calls for projects, submissions, reviews, allocations.",
        discussion: """
            Every command works on --database-url, else CFUND_DATABASE_URL, else an embedded PostgreSQL \
            cluster that cfund creates, starts and migrates under .cfund/ (or CFUND_HOME) on first use.

            Commands take an id or the unique name of an organisation, envelope or call.
            """,
        subcommands: [
            DatabaseCommand.self, MigrateCommand.self, OrganisationCommand.self, EnvelopeCommand.self,
            CallCommand.self, SubmissionCommand.self, ReviewerCommand.self, ReviewCommand.self, RankCommand.self,
            AllocateCommand.self, DecisionCommand.self, GrantCommand.self, PaymentCommand.self, FinalReportCommand.self,
            ReportCommand.self,
            AuditCommand.self, AdminCommand.self, MailCommand.self, ServeCommand.self, DemoCommand.self,
        ]
    )

    /// Domain errors become one sentence on stderr and exit status 1; argument errors keep
    /// ArgumentParser's usage text.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as FundError {
            FileHandle.standardError.write(Data("cfund: \(error.description)\n".utf8))
            Glibc.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}
