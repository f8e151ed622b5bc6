"""The reviewers' workspace and the admin pages in a real Chromium, as a reviewer and the Fund's
programme and finance teams use them.

Run by `swift test` (WorkspaceBrowserTests), which starts `cfund serve` on a database prepared
by WorkspaceFixture and passes, in the environment:

  BASE_URL          the server
  BRUNO_LINK        a sign-in link of Bruno Petit, reviewer
  SCORED            Bruno's assignment on Lyon's submission (with a PDF), to score and finalise
  RECUSED           Bruno's assignment on Côte d'Azur's submission, to recuse himself from
  PROGRAMME_LINK    a sign-in link of the programme team (acts)
  FINANCE_LINK      a sign-in link of finance (reads)
  CALL, DECIDED     the call in review and the decided one
  SCREENSHOTS       optional: a folder to write each page's screenshot to

Every page is checked with axe-core; exits 1 at the first failure, saying what was expected.
"""

import os
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser import browser, check, checked_pages, expect_text, fail, field, follow, navigate, page_text, press

BASE = os.environ["BASE_URL"]


def open_link(driver, href):
    """Follows the page's link to `href` (a link's words may carry hidden context)."""
    navigate(driver, lambda: driver.find_element(By.CSS_SELECTOR, 'a[href="%s"]' % href).click())


def reviewer(driver):
    scored, recused = os.environ["SCORED"], os.environ["RECUSED"]
    driver.get(os.environ["BRUNO_LINK"])
    expect_text(driver, "Mes évaluations", "the reviewer's home")
    expect_text(driver, "Tremplin Lyon", "the reviewer's home")
    check(driver, "review-assignments")

    open_link(driver, "/review/%s" % scored)
    expect_text(driver, "Grille d'évaluation", "the review page")
    expect_text(driver, "description.pdf", "the review page")
    check(driver, "review-sheet")

    # The weighted total follows the choices as they are made.
    total = driver.find_element(By.ID, "review-total")
    Select(driver.find_element(By.NAME, "score_impact")).select_by_value("4.0")
    if "incomplet" not in total.text:
        fail("with one criterion scored the total should say it is incomplete, it says %r" % total.text)
    for name, value in [("score_ambitions", "3.5"), ("score_feasibility", "3.0"), ("score_inclusion", "5.0")]:
        Select(driver.find_element(By.NAME, name)).select_by_value(value)
    live = total.text
    if not live.endswith("/ 100") or "incomplet" in live:
        fail("the live total is %r" % live)
    field(driver, "comment_impact", "Un programme solide, ancré dans la métropole.")
    press(driver, "Enregistrer le brouillon")
    expect_text(driver, "Brouillon d'évaluation enregistré.", "saved review")

    # Finalising asks first, and shows the total the server computed: the same.
    press(driver, "Rendre définitive…")
    expect_text(driver, "Rendre l'évaluation définitive ?", "confirmation")
    expect_text(driver, live, "confirmation")
    check(driver, "review-confirm")
    press(driver, "Rendre définitive")
    expect_text(driver, "Évaluation rendue définitive. Merci.", "finalised")
    expect_text(driver, "définitive", "finalised")
    check(driver, "review-finalised")

    # A conflict found on the other file: declared with its reason, the file withdrawn.
    open_link(driver, "/review/%s" % recused)
    follow(driver, "Je suis en conflit d'intérêts avec ce dossier")
    expect_text(driver, "Déclarer un conflit d'intérêts", "recusal")
    check(driver, "review-recuse")
    press(driver, "Déclarer le conflit et me retirer")
    expect_text(driver, "le champ est vide", "recusal without a reason")
    check(driver, "review-recuse-error")
    field(driver, "reason", "J'ai accompagné French Tech Côte d'Azur sur ce projet cette année.")
    press(driver, "Déclarer le conflit et me retirer")
    expect_text(driver, "Conflit déclaré : le dossier vous a été retiré.", "recused")
    if "Azur Scale" in page_text(driver):
        fail("the recused submission is still listed")
    driver.get("%s/review/%s" % (BASE, recused))
    expect_text(driver, "Page introuvable", "a withdrawn assignment")
    driver.get(BASE + "/admin")
    expect_text(driver, "Page introuvable", "a reviewer on the admin pages")
    driver.get(BASE + "/review")
    press(driver, "Se déconnecter")


def programme(driver):
    call = os.environ["CALL"]
    driver.get(os.environ["PROGRAMME_LINK"])
    expect_text(driver, "Appels à projets", "the calls")
    expect_text(driver, "Tremplin 2024", "the calls")
    check(driver, "admin-calls")
    open_link(driver, "/admin/calls/%s" % call)
    expect_text(driver, "Évaluateurs", "the call")
    expect_text(driver, "J'ai accompagné French Tech Côte d'Azur", "the call's recusals")
    check(driver, "admin-call")
    press(driver, "Confier les évaluations manquantes…")
    expect_text(driver, "1 évaluation(s) manquent", "assigning")
    check(driver, "admin-assign")
    press(driver, "Confier les évaluations")
    expect_text(driver, "Évaluations confiées.", "assigned")
    press(driver, "Se déconnecter")


def finance(driver):
    decided = os.environ["DECIDED"]
    driver.get(os.environ["FINANCE_LINK"])
    open_link(driver, "/admin/calls/%s" % decided)
    expect_text(driver, "Classement", "the decided call")
    expect_text(driver, "Lyon Founders Week", "the decided call")
    if driver.find_elements(By.CSS_SELECTOR, 'a[href$="/assign"]'):
        fail("finance is offered an action")
    check(driver, "admin-call-decided")
    href = "/admin/calls/%s/reports/allocations.csv" % decided
    if not driver.find_elements(By.CSS_SELECTOR, 'a[href="%s"]' % href):
        fail("no link to the allocations report")
    # The file as the browser downloads it: the link, with the session's cookie (the page's own
    # policy lets no script fetch anything).
    cookie = driver.get_cookie("cfund_session")
    request = urllib.request.Request(BASE + href, headers={"Cookie": "cfund_session=" + cookie["value"]})
    with urllib.request.urlopen(request) as response:
        if "attachment" not in response.headers.get("Content-Disposition", ""):
            fail("the allocations report is not offered as a download")
        csv = response.read().decode("utf-8")
    if "Lyon Founders Week" not in csv or "," not in csv.splitlines()[0]:
        fail("the allocations report is not the decision's CSV:\n%s" % csv[:500])
    print("ok: the allocations report downloads (%d lines)" % len(csv.splitlines()), flush=True)
    driver.get("%s/admin/calls/%s?lang=en" % (BASE, decided))
    expect_text(driver, "Ranking", "the decided call in English")
    check(driver, "admin-call-en")


def applicant(driver):
    """Lyon's applicant reads the decision letter of its funded project."""
    driver.get(os.environ["APPLICANT_LINK"])
    driver.get("%s/applications/%s?lang=fr" % (BASE, os.environ["FUNDED"]))
    expect_text(driver, "Courriers du Fonds", "the funded application")
    check(driver, "application-decided")
    follow(driver, "Décision : « Lyon Founders Week » est financé")
    expect_text(driver, "Somme accordée", "the decision letter")
    check(driver, "letter")
    # Its final report, from the application's page.
    driver.get("%s/applications/%s" % (BASE, os.environ["FUNDED"]))
    follow(driver, "Déposer le compte rendu financier")
    expect_text(driver, "Coût réel total du projet", "the final report form")
    check(driver, "final-report")
    field(driver, "actualCost", "30 000,00")
    field(driver, "narrative", "Trois événements, 240 participants.")
    press(driver, "Déposer le compte rendu")
    expect_text(driver, "Votre compte rendu financier est déposé", "the final report filed")
    check(driver, "final-report-filed")
    # The public open-data page, as anyone reads it.
    driver.get(BASE + "/open-data")
    expect_text(driver, "Lyon Founders Week", "the open-data page")
    check(driver, "open-data")


def main():
    driver = browser()
    try:
        reviewer(driver)
        programme(driver)
        finance(driver)
        applicant(driver)
        print("passed: %d pages checked" % len(checked_pages), flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
