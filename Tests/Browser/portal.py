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
import sys
import tempfile
import zipfile

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions

from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["BASE_URL"]
SHOTS = os.environ.get("SCREENSHOTS")
FILES = tempfile.mkdtemp(prefix="cfund-portal-files-")
checked_pages = []


def make_files():
    """A PDF and a spreadsheet, as an applicant's files would be (known by content, not name)."""
    with open(os.path.join(FILES, "description.pdf"), "wb") as f:
        f.write(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    with zipfile.ZipFile(os.path.join(FILES, "budget.xlsx"), "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,1400", "--lang=fr-FR"]:
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "fr-FR,fr"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.implicitly_wait(2)
    return driver


def check(driver, name):
    """Accessibility of the page as it stands, and its screenshot when asked."""
    axe = Axe(driver)
    axe.inject()
    results = axe.run(options='{"resultTypes": ["violations"]}')
    bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    if bad:
        details = "; ".join(
            "%s (%s): %s" % (v["id"], v["impact"], ", ".join(n["target"][0] for n in v["nodes"][:3])) for v in bad
        )
        fail("accessibility of %s: %s" % (name, details))
    minor = len(results["violations"])
    checked_pages.append(name)
    if SHOTS:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1200, max(900, min(height + 40, 4000)))
        driver.save_screenshot(os.path.join(SHOTS, "%s.png" % name))
        driver.set_window_size(1200, 1400)
    print("ok: %s (axe: no serious or critical violation, %d minor)" % (name, minor), flush=True)


def page_text(driver):
    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except StaleElementReferenceException:
        return ""


def expect_text(driver, text, where):
    try:
        WebDriverWait(driver, 10).until(lambda d: text in page_text(d))
    except TimeoutException:
        fail("%s: expected %r on the page, found:\n%s" % (where, text, page_text(driver)[:1500]))


def navigate(driver, action):
    """Does what loads another page, and waits until it has."""
    old = driver.find_element(By.TAG_NAME, "html")
    action()

    def replaced(_):
        # Chromium may report the old page's node as detached rather than stale mid-navigation.
        try:
            old.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True

    WebDriverWait(driver, 10).until(replaced)


def follow(driver, text):
    navigate(driver, lambda: driver.find_element(By.LINK_TEXT, text).click())


def field(driver, name, value):
    element = driver.find_element(By.NAME, name)
    element.clear()
    element.send_keys(value)


def press(driver, label):
    for button in driver.find_elements(By.CSS_SELECTOR, "button, a.button"):
        if button.text.strip() == label:
            navigate(driver, button.click)
            return
    fail("no button %r on %s" % (label, driver.current_url))


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

        # Lyon's programme manager follows the invitation.
        driver.get(os.environ["LYON_LINK"])
        expect_text(driver, "Appels ouverts", "home")
        expect_text(driver, "15/12/2024 à 23:59 (heure de Paris)", "home")
        check(driver, "home")
        follow(driver, "English")
        expect_text(driver, "Open calls", "home in English")
        check(driver, "home-en")
        follow(driver, "Français")

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
