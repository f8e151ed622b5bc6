"""The applicants' portal in a real Chromium, as a Capital's programme manager uses it.

Run by `swift test` (PortalBrowserTests), which starts `cfund serve` on a prepared database and
passes what this script needs in the environment:

  BASE_URL          the server, e.g. http://127.0.0.1:41234
  LYON_LINK         a sign-in link of French Tech Lyon (eligible)
  TOKYO_LINK        a sign-in link of French Tech Tokyo (a Community abroad: not eligible)
  LATE_DRAFT        a draft of Lyon's in a call whose deadline has passed
  SCREENSHOTS       optional: a folder to write each page's screenshot to

Every page is checked with axe-core: a serious or critical violation fails the test. Prints one
line per step; exits 1 at the first failure, saying what was expected.
"""

import base64
import os
import re
import tempfile
import zipfile

from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions

from browser import browser, check, checked_pages, expect_text, fail, field, follow, press

BASE = os.environ["BASE_URL"]
FILES = tempfile.mkdtemp(prefix="cfund-portal-files-")


def make_files():
    """A PDF and a spreadsheet, as an applicant's files would be (known by content, not name)."""
    with open(os.path.join(FILES, "description.pdf"), "wb") as f:
        f.write(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    with zipfile.ZipFile(os.path.join(FILES, "budget.xlsx"), "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")


def main():
    make_files()
    driver = browser()
    try:
        # A Community abroad signs in: the Capitals' call says why it cannot apply.
        driver.get(os.environ["TOKYO_LINK"])
        expect_text(driver, "Vous ne pouvez pas déposer de dossier à cet appel", "Tokyo's home")
        expect_text(driver, "cet appel est réservé à : Capitale French Tech", "Tokyo's home")
        check(driver, "home-not-eligible")
        press(driver, "Se déconnecter")
        expect_text(driver, "Vous êtes déconnecté.", "signed out")
        check(driver, "signed-out")

        # Asking for a sign-in link by email: the same answer for any address.
        field(driver, "email", "kenji@tokyo.example")
        press(driver, "Recevoir un lien de connexion")
        expect_text(driver, "Si cette adresse est connue du Fonds", "link requested")
        check(driver, "link-requested")
        field(driver, "email", "pas-une-adresse")
        press(driver, "Recevoir un lien de connexion")
        expect_text(driver, "Saisissez une adresse électronique complète", "address refused")
        check(driver, "link-address-refused")

        # Lyon's programme manager follows the invitation.
        driver.get(os.environ["LYON_LINK"])
        expect_text(driver, "Appels ouverts", "home")
        expect_text(driver, "15/12/2024 à 23:59 (heure de Paris)", "home")
        check(driver, "home")
        follow(driver, "English")
        expect_text(driver, "Open calls", "home in English")
        check(driver, "home-en")
        follow(driver, "Français")
        follow(driver, "Mon organisation")
        expect_text(driver, "Numéro RNA (associations)", "the organisation's page")
        check(driver, "organisation")
        follow(driver, "Appels à projets")

        press(driver, "Commencer un dossier")
        expect_text(driver, "Rien n'est déposé tant que vous n'avez pas appuyé", "new draft")
        check(driver, "draft")

        # Submitting too early: every problem named next to its field and summed up, entries kept.
        field(driver, "title", "ab")
        field(driver, "requested", "45 000,xx")
        press(driver, "Déposer le dossier")
        expect_text(driver, "Le dossier n'est pas encore complet", "refused draft")
        expect_text(driver, "doit compter de 3 à 200 caractères (il en compte 2)", "refused draft")
        expect_text(driver, "écrivez une somme en euros", "refused draft")
        expect_text(driver, "l'appel demande un fichier : description du projet", "refused draft")
        if driver.find_element(By.NAME, "requested").get_attribute("value") != "45 000,xx":
            fail("the typed amount was not kept")
        check(driver, "draft-errors")

        # Filled in and saved as a draft.
        field(driver, "title", "Tremplin Lyon 2025")
        field(driver, "summary", "Des fondateurs de tous les quartiers de la métropole lyonnaise.")
        field(driver, "requested", "45 000")
        field(driver, "total_cost", "90 000,00")
        driver.find_element(By.ID, "ambition-talents_and_territories").click()
        press(driver, "Enregistrer le brouillon")
        expect_text(driver, "Brouillon enregistré.", "saved draft")

        # Files, known by their content.
        for kind, name in [("description", "description.pdf"), ("budget", "budget.xlsx")]:
            driver.find_element(By.CSS_SELECTOR, "select#kind option[value='%s']" % kind).click()
            driver.find_element(By.ID, "file").send_keys(os.path.join(FILES, name))
            press(driver, "Ajouter le fichier")
            expect_text(driver, "Fichier ajouté.", "upload of " + name)
        expect_text(driver, "budget.xlsx", "draft with files")
        check(driver, "draft-with-files")

        press(driver, "Déposer le dossier")
        expect_text(driver, "Récépissé de dépôt", "receipt")
        expect_text(driver, "Dossier déposé. Gardez votre récépissé.", "receipt")
        expect_text(driver, "dossier 1, version 1", "receipt")
        expect_text(driver, "01/12/2024 à 12:00:00,000 (heure de Paris)", "receipt")
        check(driver, "receipt")
        a4 = PrintOptions()
        a4.page_width, a4.page_height = 21.0, 29.7
        printed = base64.b64decode(driver.print_page(a4))
        pages = len(re.findall(rb"/Type\s*/Page[^s]", printed))
        if pages != 1:
            fail("the receipt prints on %d pages, not one" % pages)
        print("ok: the receipt prints on one A4 page", flush=True)

        # The applications, one of them amended.
        follow(driver, "Mes dossiers")
        expect_text(driver, "Tremplin Lyon 2025", "applications")
        check(driver, "applications")
        follow(driver, "Tremplin Lyon 2025")
        expect_text(driver, "Versions", "application")
        check(driver, "application")
        press(driver, "Modifier le dossier")
        expect_text(driver, "Modifier votre dossier", "amendment")
        field(driver, "requested", "40 000")
        press(driver, "Déposer la nouvelle version")
        expect_text(driver, "Nouvelle version déposée.", "amendment's receipt")
        expect_text(driver, "dossier 1, version 2", "amendment's receipt")
        expect_text(driver, "40 000,00 €", "amendment's receipt")

        # Withdrawn, after a confirmation.
        follow(driver, "Revenir au dossier")
        follow(driver, "Retirer le dossier")
        expect_text(driver, "Retirer le dossier « Tremplin Lyon 2025 » ?", "withdrawal")
        check(driver, "withdraw")
        press(driver, "Oui, retirer le dossier")
        expect_text(driver, "Dossier retiré.", "withdrawn")
        expect_text(driver, "retiré", "withdrawn")
        check(driver, "withdrawn")

        # A draft of a call whose deadline passed: refused, with the window.
        driver.get("%s/drafts/%s" % (BASE, os.environ["LATE_DRAFT"]))
        press(driver, "Déposer le dossier")
        expect_text(driver, "reçoit des dossiers du", "late submission")
        check(driver, "late")

        driver.get(BASE + "/applications/999999")
        expect_text(driver, "Page introuvable", "someone else's application")
        check(driver, "not-found")

        # The same pages in English, chosen once and remembered.
        driver.get(BASE + "/applications?lang=en")
        expect_text(driver, "My applications", "applications in English")
        check(driver, "applications-en")
        follow(driver, "Tremplin Lyon 2025")
        expect_text(driver, "withdrawn", "application in English")
        check(driver, "application-en")
        driver.get(BASE + "/applications/1/receipt")
        expect_text(driver, "Deposit receipt", "receipt in English")
        expect_text(driver, "€40,000.00", "receipt in English")
        check(driver, "receipt-en")
        driver.get("%s/drafts/%s" % (BASE, os.environ["LATE_DRAFT"]))
        expect_text(driver, "Nothing is submitted until you press", "draft in English")
        check(driver, "draft-en")
        print("passed: %d pages checked" % len(checked_pages), flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
