extension Catalogue {
    static let english: [String: String] = [
        // Text fields (TextRule).
        "text.nul": "the text contains a NUL character (\\u0000); remove it",
        "text.control": "the text contains the control character {code}; remove it",
        "text.empty": "the field is empty; type something visible",
        "text.exact": "must be exactly {min} characters (it has {count})",
        "text.max": "must be at most {max} characters (it has {count})",
        "text.range": "must be {min} to {max} characters (it has {count})",
        // A submission's content (SubmissionValidation).
        "request.positive": "the request must be above zero",
        "request.cap": "the request exceeds the call's cap of {cap}",
        "request.cost": "the request exceeds the project's total cost",
        "cost.positive": "the total cost must be above zero",
        "ambitions.none": "name at least one of the Mission's ambitions",
        "email.invalid": "\"{email}\" is not an email address",
        // Eligibility.
        "eligibility.kind": "{organisation} is a {kind}; this call is open to {allowed} only",
        "eligibility.labelWindow": "{organisation} holds no label awarded between {from} and {to}",
        "eligibility.labelAtDeadline": "{organisation}'s label is not valid on the deadline, {day}",
        "eligibility.cap": "the request of {requested} exceeds the call's cap of {cap}",
        "eligibility.count": "{organisation} already has {count} submission(s) in this call, the most it allows",
        "eligibility.live": "the organisation already has {count} live submission(s) in this call, the most it allows",
        // Kinds of organisation.
        "kind.capital": "capital",
        "kind.community_fr": "community_fr",
        "kind.community_abroad": "community_abroad",
        // Files.
        "attachment.description": "project description",
        "attachment.budget": "budget",
        "attachment.statutes": "statutes",
        "attachment.other": "other document",
        "attachment.type": "this file is not one the fund accepts: send a PDF, ODT, ODS, DOCX, XLSX, PNG or JPEG file",
        "attachment.tooLarge": "this file is larger than {max}, the most the call accepts per file",
        "attachment.total": "the files add up to {total}, more than the {max} the call accepts",
        "attachment.missing": "the call requires a file: {kind}",
        "attachment.empty": "the file is empty",
        // Drafts.
        "draft.submitted": "this draft was submitted already; open the application to amend it",
    ]
}
