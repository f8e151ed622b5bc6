extension Catalogue {
    static let french: [String: String] = [
        // Champs de texte (TextRule).
        "text.nul": "le texte contient un caractère NUL (\\u0000) ; retirez-le",
        "text.control": "le texte contient le caractère de contrôle {code} ; retirez-le",
        "text.empty": "le champ est vide ; écrivez un texte visible",
        "text.exact": "doit compter exactement {min} caractères (il en compte {count})",
        "text.max": "doit compter au plus {max} caractères (il en compte {count})",
        "text.range": "doit compter de {min} à {max} caractères (il en compte {count})",
        // Le contenu d'un dépôt (SubmissionValidation).
        "request.positive": "la somme demandée doit être supérieure à zéro",
        "request.cap": "la somme demandée dépasse le plafond de l'appel, {cap}",
        "request.cost": "la somme demandée dépasse le coût total du projet",
        "cost.positive": "le coût total doit être supérieur à zéro",
        "ambitions.none": "choisissez au moins une des ambitions de la Mission",
        "email.invalid": "« {email} » n'est pas une adresse électronique",
        // Éligibilité.
        "eligibility.kind": "{organisation} est une {kind} ; cet appel est réservé à : {allowed}",
        "eligibility.labelWindow": "{organisation} n'a pas de label attribué entre le {from} et le {to}",
        "eligibility.labelAtDeadline": "le label de {organisation} n'est pas valide à la date limite, le {day}",
        "eligibility.cap": "la somme demandée, {requested}, dépasse le plafond de l'appel, {cap}",
        "eligibility.count": "{organisation} a déjà {count} dépôt(s) dans cet appel, le maximum permis",
        "eligibility.live": "l'organisation a déjà {count} dépôt(s) en cours dans cet appel, le maximum permis",
        // Types de membres du réseau.
        "kind.capital": "Capitale French Tech",
        "kind.community_fr": "Communauté French Tech en France",
        "kind.community_abroad": "Communauté French Tech à l'étranger",
        // Pièces jointes.
        "attachment.description": "description du projet",
        "attachment.budget": "budget prévisionnel",
        "attachment.statutes": "statuts",
        "attachment.other": "autre document",
        "attachment.type":
            "ce fichier n'est pas d'un type accepté : envoyez un fichier PDF, ODT, ODS, DOCX, XLSX, PNG ou JPEG",
        "attachment.tooLarge": "ce fichier dépasse {max}, la taille maximale par fichier pour cet appel",
        "attachment.total": "les fichiers totalisent {total}, plus que les {max} permis par l'appel",
        "attachment.missing": "l'appel demande un fichier : {kind}",
        "attachment.empty": "le fichier est vide",
        // Brouillons.
        "draft.submitted": "ce brouillon a déjà été déposé ; ouvrez le dossier pour le modifier",
    ]
}
