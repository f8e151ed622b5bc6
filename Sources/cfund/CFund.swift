import ArgumentParser
import FundStore
import FundHTTP
import Hummingbird
import PostgresNIO
import ServiceLifecycle

@main
struct CFund: AsyncParsableCommand {
    func run() async throws {}
}
