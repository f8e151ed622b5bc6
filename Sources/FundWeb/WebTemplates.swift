import Foundation
import Mustache

/// The HTML templates of cfund (`Templates/*.mustache`, shipped with the module), loaded once and
/// rendered from view models: the portal's pages and the printable reports share them.
/// Variables are HTML-escaped by `{{name}}`; only markup the views build themselves (SVG figures)
/// goes through `{{{name}}}`.
public struct WebTemplates: Sendable {
    let library: MustacheLibrary

    /// The templates bundled with the module.
    public static func load() async throws -> WebTemplates {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw TemplateError.missing("the Templates folder of the FundWeb module")
        }
        return WebTemplates(library: try await MustacheLibrary(directory: folder.path))
    }

    public enum TemplateError: Error, CustomStringConvertible {
        case missing(String)

        public var description: String {
            switch self {
            case .missing(let what): return "cfund's HTML templates are missing \(what); reinstall cfund."
            }
        }
    }

    /// The page `template` renders for `view`.
    public func render(_ view: Any, template: String) throws -> String {
        guard let html = library.render(view, withTemplate: template) else {
            throw TemplateError.missing("the template \"\(template)\"")
        }
        return html
    }
}
