import Foundation
import FundCore
import FundStore
import Hummingbird

/// `GET /v1/calls`: the open calls, with their window, budget and eligibility rules.
struct CallsController {
    let database: Database

    struct CallResource: ResponseEncodable {
        let id: Int64
        let title: String
        let opensAt: String
        let closesAt: String
        let lastAcceptedAt: String
        let timeZone: String
        let budgetCents: Int64
        let allowedKinds: [String]
        let labelAwardedFrom: String?
        let labelAwardedTo: String?
        let labelValidAtDeadline: Bool
        let maxRequestCents: Int64?
        let maxSubmissionsPerOrganisation: Int

        init(_ call: Call) {
            id = call.id
            title = call.title
            opensAt = LocalTime.iso8601(call.opensAt, in: call.zone)
            closesAt = LocalTime.iso8601(call.closesAt, in: call.zone)
            lastAcceptedAt = LocalTime.iso8601(call.closesAt.addingTimeInterval(-0.001), in: call.zone)
            timeZone = call.timeZone
            budgetCents = call.budget.cents
            allowedKinds = call.rules.allowedKinds.map(\.rawValue)
            labelAwardedFrom = call.rules.labelAwardedWithin?.first.description
            labelAwardedTo = call.rules.labelAwardedWithin?.last.description
            labelValidAtDeadline = call.rules.labelValidAtDeadline
            maxRequestCents = call.rules.maxRequest?.cents
            maxSubmissionsPerOrganisation = call.rules.maxSubmissionsPerOrganisation
        }
    }

    struct CallList: ResponseEncodable {
        let calls: [CallResource]
    }

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get { _, _ -> CallList in
            // A call opened a moment ago may show a moment later: the replica serves this list
            // (the primary when the replica does not answer).
            let calls = try await CallRepository(await database.reads(seeing: nil)).list(status: .open)
            return CallList(calls: calls.map(CallResource.init))
        }
        return routes
    }
}
