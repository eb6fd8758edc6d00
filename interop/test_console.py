"""The web console at /console, driven in real headless Chromium (Selenium): sign in, keys, key
detail, create key, audit log, sign out — and its cookie and CSRF protections, by hand."""
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import ACCOUNT, IDENTITIES, make_client


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def sign_in(browser, server, identity="admin"):
    i = IDENTITIES[identity]
    browser.delete_all_cookies()
    browser.get(server.endpoint + "/console")
    assert browser.current_url.endswith("/console/sign-in")
    browser.find_element(By.ID, "accessKeyId").send_keys(i["AWS_ACCESS_KEY_ID"])
    browser.find_element(By.ID, "secretAccessKey").send_keys(i["AWS_SECRET_ACCESS_KEY"])
    browser.find_element(By.CSS_SELECTOR, "form.panel button[type=submit]").click()


def test_sign_in_keys_detail_create_audit_sign_out(own_server, browser):
    kms = make_client(own_server)
    existing = kms.create_key(Description="made with boto3")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/from-api", TargetKeyId=existing)

    # A wrong secret: an error in words, the form keeps the access key id.
    browser.delete_all_cookies()
    browser.get(own_server.endpoint + "/console/sign-in")
    browser.find_element(By.ID, "accessKeyId").send_keys(IDENTITIES["admin"]["AWS_ACCESS_KEY_ID"])
    browser.find_element(By.ID, "secretAccessKey").send_keys("wrong")
    browser.find_element(By.CSS_SELECTOR, "form.panel button[type=submit]").click()
    assert "not correct" in browser.find_element(By.CSS_SELECTOR, ".error").text
    assert browser.find_element(By.ID, "accessKeyId").get_attribute("value") == IDENTITIES["admin"]["AWS_ACCESS_KEY_ID"]

    sign_in(browser, own_server)
    assert browser.current_url.endswith("/console/keys")
    assert f"arn:aws:iam::{ACCOUNT}:user/admin" in browser.find_element(By.TAG_NAME, "header").text
    table = browser.find_element(By.TAG_NAME, "table").text
    assert existing in table and "alias/from-api" in table and "Enabled" in table

    # Create an EXTERNAL key with an alias, a description and tags.
    browser.find_element(By.LINK_TEXT, "Create key").click()
    Select(browser.find_element(By.ID, "origin")).select_by_value("EXTERNAL")
    browser.find_element(By.ID, "alias").send_keys("byok-from-console")
    browser.find_element(By.ID, "description").send_keys("<b>not bold</b>")
    browser.find_element(By.ID, "tags").send_keys("team=payments, env=test")
    browser.find_element(By.CSS_SELECTOR, "form.panel button[type=submit]").click()
    match = re.search(r"/console/keys/([0-9a-f-]{36})", browser.current_url)
    assert match, (browser.current_url, browser.find_element(By.TAG_NAME, "main").text)
    key_id = match.group(1)
    page = browser.find_element(By.TAG_NAME, "main").text
    for text in ("General configuration", "Cryptographic configuration", "Key material", "Pending import", "alias/byok-from-console",
                 "PendingImport", "EXTERNAL", "payments", "<b>not bold</b>", "Enable IAM User Permissions"):
        assert text in page, text
    described = kms.describe_key(KeyId="alias/byok-from-console")["KeyMetadata"]
    assert described["KeyId"] == key_id and described["Origin"] == "EXTERNAL" and described["KeyState"] == "PendingImport"

    # A refusal shows the AWS code too, and keeps what was entered.
    browser.get(own_server.endpoint + "/console/keys/new")
    browser.find_element(By.ID, "alias").send_keys("byok-from-console")
    browser.find_element(By.ID, "description").send_keys("second try")
    browser.find_element(By.CSS_SELECTOR, "form.panel button[type=submit]").click()
    assert "AlreadyExistsException" in browser.find_element(By.CSS_SELECTOR, ".error").text
    assert browser.find_element(By.ID, "description").get_attribute("value") == "second try"
    assert len(kms.list_keys()["Keys"]) == 2  # the refused form made no key

    # The audit log: the console's calls are CloudTrail records like the API's, with its user agent.
    browser.get(own_server.endpoint + "/console/audit?event=CreateKey")
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) >= 2 and all("CreateKey" in r.text for r in rows)
    record = [r for r in own_server.audit_lookup("--event-name", "CreateKey") if r["userAgent"].startswith("Trent console") and "errorCode" not in r][0]
    assert record["userIdentity"]["userName"] == "admin" and record["requestParameters"]["origin"] == "EXTERNAL"

    browser.find_element(By.CSS_SELECTOR, "header form button").click()
    assert browser.current_url.endswith("/console/sign-in")
    browser.get(own_server.endpoint + "/console/keys")
    assert browser.current_url.endswith("/console/sign-in")


def test_console_authorization_is_the_apis(own_server, browser):
    make_client(own_server).create_key()
    sign_in(browser, own_server, identity="alice")
    assert "You are not allowed to do this" in browser.find_element(By.CSS_SELECTOR, ".error").text
    assert "AccessDeniedException" in browser.find_element(By.CSS_SELECTOR, ".error").text
    browser.get(own_server.endpoint + "/console/audit")
    assert "cloudtrail:LookupEvents" in browser.find_element(By.CSS_SELECTOR, ".error").text


def test_cookie_flags_and_csrf(own_server):
    i = IDENTITIES["admin"]
    form = urllib.parse.urlencode({"accessKeyId": i["AWS_ACCESS_KEY_ID"], "secretAccessKey": i["AWS_SECRET_ACCESS_KEY"]}).encode()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(urllib.request.Request(own_server.endpoint + "/console/sign-in", data=form, method="POST"))
    assert e.value.code == 303
    cookie = e.value.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    session = cookie.split(";")[0]
    page = urllib.request.urlopen(urllib.request.Request(own_server.endpoint + "/console/keys/new", headers={"Cookie": session})).read().decode()
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    assert "Content-Security-Policy" in urllib.request.urlopen(urllib.request.Request(own_server.endpoint + "/console/keys", headers={"Cookie": session})).headers
    for token in (None, "0" * 64):
        fields = {"keySpec": "SYMMETRIC_DEFAULT", "origin": "AWS_KMS"}
        if token:
            fields["csrf"] = token
        with pytest.raises(urllib.error.HTTPError) as e:
            opener.open(urllib.request.Request(own_server.endpoint + "/console/keys", data=urllib.parse.urlencode(fields).encode(),
                                               headers={"Cookie": session}, method="POST"))
        assert e.value.code == 403
    assert make_client(own_server).list_keys()["Keys"] == []  # nothing was created
    fields = {"keySpec": "SYMMETRIC_DEFAULT", "origin": "AWS_KMS", "csrf": csrf}
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(urllib.request.Request(own_server.endpoint + "/console/keys", data=urllib.parse.urlencode(fields).encode(),
                                           headers={"Cookie": session}, method="POST"))
    assert e.value.code == 303 and len(make_client(own_server).list_keys()["Keys"]) == 1
