"""What every browser test of cfund does: a headless Chromium in French, an axe-core check of
each page (a serious or critical violation fails), a screenshot when asked, and waiting for
navigation the way Chromium reports it. Imported by portal.py and workspace.py."""

import os
import sys

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

SHOTS = os.environ.get("SCREENSHOTS")
checked_pages = []


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
        driver.execute_script("window.scrollTo(0, 0)")
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
