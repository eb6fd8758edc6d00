"""The web console at /console, driven in real headless Chromium (Selenium): sign in, keys, key
detail, create key, audit log, sign out — and its cookie and CSRF protections, by hand."""
import datetime
import glob
import json
import os
import subprocess
import time
import zipfile
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


DOWNLOADS = "/tmp/trent-console-downloads"
# Screenshots of every page the tests reach, kept as test artefacts (git ignores the folder).
SCREENSHOTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test-artifacts", "console")
_shots = [0]


def screenshot(browser):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    _shots[0] += 1
    name = re.sub(r"[^A-Za-z0-9]+", "-", browser.title or "page").strip("-")[:60]
    browser.save_screenshot(os.path.join(SCREENSHOTS, f"{_shots[0]:03d}-{name}.png"))


@pytest.fixture(scope="module")
def browser():
    import shutil
    shutil.rmtree(DOWNLOADS, ignore_errors=True)
    os.makedirs(DOWNLOADS)
    options = webdriver.ChromeOptions()
    options.add_experimental_option("prefs", {"download.default_directory": DOWNLOADS, "download.prompt_for_download": False})
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def wait_for(browser, fragment, timeout=10):
    """Waits until the browser has navigated to a URL containing `fragment`."""
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, timeout).until(lambda b: fragment in b.current_url)


def click(browser, by, value):
    """Clicks what navigates, and waits for the next page: a mark set on the old page's window is
    gone from the new one. (Polling an old element for staleness can meet Chromium's "Node with
    given id does not belong to the document" mid-navigation; errors while the page changes are
    retried.)"""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait
    browser.execute_script("window.__trentOldPage = true")
    browser.find_element(by, value).click()
    wait = WebDriverWait(browser, 15, ignored_exceptions=(WebDriverException,))
    wait.until(lambda b: b.execute_script("return window.__trentOldPage === undefined && document.readyState === 'complete'"))
    wait.until(lambda b: b.find_elements(By.TAG_NAME, "main"))
    screenshot(browser)


def download_parameters(browser, timeout=20):
    """Clicks the download button on the upload page and returns the path of the finished zip.
    Chromium creates the file under its final name, empty, as soon as a download starts, and
    writes the bytes to a `.crdownload` file it renames over it at the end: the zip is only
    taken once no partial download is left and it reads as a whole archive."""
    for old in glob.glob(os.path.join(DOWNLOADS, "*")):
        os.remove(old)
    browser.find_element(By.XPATH, "//button[text()='Download wrapping public key and import token']").click()
    deadline = time.time() + timeout
    while time.time() < deadline:
        zips = glob.glob(os.path.join(DOWNLOADS, "*.zip"))
        partial = glob.glob(os.path.join(DOWNLOADS, "*.crdownload"))
        if len(zips) == 1 and not partial and zipfile.is_zipfile(zips[0]):
            return zips[0]
        time.sleep(0.1)
    raise AssertionError(f"no complete zip downloaded within {timeout} s: {os.listdir(DOWNLOADS)}")


def sign_in(browser, server, identity="admin"):
    i = IDENTITIES[identity]
    browser.delete_all_cookies()
    browser.get(server.endpoint + "/console")
    assert browser.current_url.endswith("/console/sign-in")
    browser.find_element(By.ID, "accessKeyId").send_keys(i["AWS_ACCESS_KEY_ID"])
    browser.find_element(By.ID, "secretAccessKey").send_keys(i["AWS_SECRET_ACCESS_KEY"])
    click(browser, By.CSS_SELECTOR, "form.panel button[type=submit]")
    wait_for(browser, "/console/keys")


def test_sign_in_keys_detail_create_audit_sign_out(own_server, browser):
    kms = make_client(own_server)
    existing = kms.create_key(Description="made with boto3")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/from-api", TargetKeyId=existing)

    # A wrong secret: an error in words, the form keeps the access key id.
    browser.delete_all_cookies()
    browser.get(own_server.endpoint + "/console/sign-in")
    browser.find_element(By.ID, "accessKeyId").send_keys(IDENTITIES["admin"]["AWS_ACCESS_KEY_ID"])
    browser.find_element(By.ID, "secretAccessKey").send_keys("wrong")
    click(browser, By.CSS_SELECTOR, "form.panel button[type=submit]")
    assert "not correct" in browser.find_element(By.CSS_SELECTOR, ".error").text
    assert browser.find_element(By.ID, "accessKeyId").get_attribute("value") == IDENTITIES["admin"]["AWS_ACCESS_KEY_ID"]

    sign_in(browser, own_server)
    assert browser.current_url.endswith("/console/keys")
    assert f"arn:aws:iam::{ACCOUNT}:user/admin" in browser.find_element(By.TAG_NAME, "header").text
    table = browser.find_element(By.TAG_NAME, "table").text
    assert existing in table and "alias/from-api" in table and "Enabled" in table

    # Create an EXTERNAL key with an alias, a description and tags.
    click(browser, By.LINK_TEXT, "Create key")
    Select(browser.find_element(By.ID, "origin")).select_by_value("EXTERNAL")
    browser.find_element(By.ID, "alias").send_keys("byok-from-console")
    browser.find_element(By.ID, "description").send_keys("<b>not bold</b>")
    browser.find_element(By.ID, "tags").send_keys("team=payments, env=test")
    click(browser, By.CSS_SELECTOR, "form.panel button[type=submit]")
    wait_for(browser, "?region=")
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
    click(browser, By.CSS_SELECTOR, "form.panel button[type=submit]")
    assert "AlreadyExistsException" in browser.find_element(By.CSS_SELECTOR, ".error").text
    assert browser.find_element(By.ID, "description").get_attribute("value") == "second try"
    assert len(kms.list_keys()["Keys"]) == 2  # the refused form made no key

    # The audit log: the console's calls are CloudTrail records like the API's, with its user agent.
    browser.get(own_server.endpoint + "/console/audit?event=CreateKey")
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) >= 2 and all("CreateKey" in r.text for r in rows)
    record = [r for r in own_server.audit_lookup("--event-name", "CreateKey") if r["userAgent"].startswith("Trent console") and "errorCode" not in r][0]
    assert record["userIdentity"]["userName"] == "admin" and record["requestParameters"]["origin"] == "EXTERNAL"

    click(browser, By.CSS_SELECTOR, "header form button")
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


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def signed_in_by_hand(server, identity="admin"):
    """Signs in without a browser: (an opener that does not follow redirects, the sign-in response)."""
    i = IDENTITIES[identity]
    form = urllib.parse.urlencode({"accessKeyId": i["AWS_ACCESS_KEY_ID"], "secretAccessKey": i["AWS_SECRET_ACCESS_KEY"]}).encode()
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(urllib.request.Request(server.endpoint + "/console/sign-in", data=form, method="POST"))
    return opener, e.value


def test_cookie_flags_and_csrf(own_server):
    opener, answer = signed_in_by_hand(own_server)
    assert answer.code == 303
    cookie = answer.headers["Set-Cookie"]
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


def test_byok_in_the_browser(own_server, browser, tmp_path):
    """Create an EXTERNAL key, download the zip, wrap with openssl as its README says, upload with
    an expiry, see it Enabled; delete the material and upload it again without expiry."""
    sign_in(browser, own_server)
    browser.get(own_server.endpoint + "/console/keys/new")
    Select(browser.find_element(By.ID, "origin")).select_by_value("EXTERNAL")
    browser.find_element(By.ID, "alias").send_keys("browser-byok")
    click(browser, By.CSS_SELECTOR, "form.panel button[type=submit]")
    wait_for(browser, "?region=")
    key_id = re.search(r"/console/keys/([0-9a-f-]{36})", browser.current_url).group(1)
    click(browser, By.LINK_TEXT, "Upload key material")

    Select(browser.find_element(By.ID, "wrappingKeySpec")).select_by_value("RSA_3072")
    Select(browser.find_element(By.ID, "wrappingAlgorithm")).select_by_value("RSAES_OAEP_SHA_256")
    archive = zipfile.ZipFile(download_parameters(browser))
    assert sorted(archive.namelist()) == ["ImportToken.bin", "README.txt", "WrappingPublicKey.bin"]
    readme = archive.read("README.txt").decode()
    assert "RSAES_OAEP_SHA_256" in readme and "Valid until" in readme and "openssl pkeyutl" in readme and "trent byok wrap" in readme
    archive.extractall(tmp_path)

    material = os.urandom(32)
    (tmp_path / "PlaintextKeyMaterial.bin").write_bytes(material)
    subprocess.run(["openssl", "pkeyutl", "-encrypt", "-in", "PlaintextKeyMaterial.bin", "-out", "EncryptedKeyMaterial.bin",
                    "-inkey", "WrappingPublicKey.bin", "-keyform", "DER", "-pubin", "-pkeyopt", "rsa_padding_mode:oaep",
                    "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"], cwd=tmp_path, check=True)
    (tmp_path / "garbage.bin").write_bytes(os.urandom(384))

    valid_to = datetime.date.today() + datetime.timedelta(days=60)

    def upload(wrapped, expires):
        browser.find_element(By.ID, "wrappedKeyMaterial").send_keys(str(tmp_path / wrapped))
        browser.find_element(By.ID, "importToken").send_keys(str(tmp_path / "ImportToken.bin"))
        browser.find_element(By.CSS_SELECTOR, f"input[name=expiration][value={'expires' if expires else 'never'}]").click()
        if expires:
            assert browser.find_element(By.ID, "validTo").get_attribute("max")  # the picker stops at 365 days
            browser.execute_script(f"document.getElementById('validTo').value = '{valid_to:%Y-%m-%d}T12:00'")
        click(browser, By.XPATH, "//button[text()='Upload key material']")

    upload("garbage.bin", expires=True)
    error = browser.find_element(By.CSS_SELECTOR, ".error").text
    assert "InvalidCiphertextException" in error
    # A wrong token file: a readable error naming the problem.
    (tmp_path / "wrong-token.bin").write_bytes(os.urandom(len((tmp_path / "ImportToken.bin").read_bytes())))
    browser.find_element(By.ID, "wrappedKeyMaterial").send_keys(str(tmp_path / "EncryptedKeyMaterial.bin"))
    browser.find_element(By.ID, "importToken").send_keys(str(tmp_path / "wrong-token.bin"))
    click(browser, By.XPATH, "//button[text()='Upload key material']")
    error = browser.find_element(By.CSS_SELECTOR, ".error").text
    assert "InvalidImportTokenException" in error and "import token is invalid" in error
    assert browser.find_element(By.CSS_SELECTOR, "input[name=expiration][value=expires]").is_selected()

    upload("EncryptedKeyMaterial.bin", expires=True)
    errors = browser.find_elements(By.CSS_SELECTOR, ".error")
    assert not errors, errors[0].text
    wait_for(browser, f"/console/keys/{key_id}?")
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "Imported" in page and "KEY_MATERIAL_EXPIRES" in page and f"{valid_to:%Y-%m-%d} 12:00:00 UTC" in page and "Enabled" in page
    kms = make_client(own_server)
    blob = kms.encrypt(KeyId="alias/browser-byok", Plaintext=b"from the console")["CiphertextBlob"]

    click(browser, By.XPATH, "//button[text()='Delete key material']")
    assert "PendingImport" in browser.find_element(By.TAG_NAME, "main").text
    click(browser, By.LINK_TEXT, "Upload key material")
    zipfile.ZipFile(download_parameters(browser)).extractall(tmp_path)  # fresh token, same material
    subprocess.run(["openssl", "pkeyutl", "-encrypt", "-in", "PlaintextKeyMaterial.bin", "-out", "EncryptedKeyMaterial.bin",
                    "-inkey", "WrappingPublicKey.bin", "-keyform", "DER", "-pubin", "-pkeyopt", "rsa_padding_mode:oaep",
                    "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"], cwd=tmp_path, check=True)
    upload("EncryptedKeyMaterial.bin", expires=False)
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "KEY_MATERIAL_DOES_NOT_EXPIRE" in page and "Enabled" in page
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"from the console"

    browser.get(own_server.endpoint + "/console/audit?event=ImportKeyMaterial")
    screenshot(browser)
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert len(rows) == 4 and sum("InvalidCiphertextException" in r for r in rows) == 1

    # Disable, enable, schedule and cancel deletion.
    browser.get(own_server.endpoint + f"/console/keys/{key_id}")
    click(browser, By.XPATH, "//button[text()='Disable key']")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"
    click(browser, By.XPATH, "//button[text()='Enable key']")
    click(browser, By.XPATH, "//button[text()='Schedule key deletion']")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    click(browser, By.XPATH, "//button[text()='Cancel key deletion']")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"


def test_no_page_is_reachable_signed_out(own_server):
    key = make_client(own_server).create_key()["KeyMetadata"]["KeyId"]
    opener = urllib.request.build_opener(NoRedirect)
    for path in ("/console", "/console/keys", "/console/keys/new", f"/console/keys/{key}", f"/console/keys/{key}/import", "/console/audit"):
        for cookie in (None, "trent_console=" + "0" * 64):
            request = urllib.request.Request(own_server.endpoint + path, headers={"Cookie": cookie} if cookie else {})
            with pytest.raises(urllib.error.HTTPError) as e:
                opener.open(request)
            assert e.value.code == 303 and e.value.headers["Location"] == "/console/sign-in", path
    for path in ("/console/keys", f"/console/keys/{key}/action", f"/console/keys/{key}/material", f"/console/keys/{key}/parameters", "/console/sign-out"):
        with pytest.raises(urllib.error.HTTPError) as e:
            opener.open(urllib.request.Request(own_server.endpoint + path, data=b"action=disable", method="POST"))
        assert e.value.code == 303, path
    assert make_client(own_server).describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"


def test_edit_the_key_policy_and_filter_the_audit_log_by_time(own_server, browser):
    sign_in(browser, own_server)
    key = make_client(own_server).create_key()["KeyMetadata"]["KeyId"]
    browser.get(own_server.endpoint + f"/console/keys/{key}")
    document = json.loads(browser.find_element(By.ID, "policyDocument").get_attribute("value"))
    document["Statement"].append({"Sid": "Alice encrypts", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"},
                                  "Action": "kms:Encrypt", "Resource": "*"})
    area = browser.find_element(By.ID, "policyDocument")
    area.clear()
    area.send_keys(json.dumps(document))
    click(browser, By.XPATH, "//button[text()='Save key policy']")
    assert "Alice encrypts" in browser.find_element(By.ID, "policyDocument").get_attribute("value")
    make_client(own_server, identity="alice").encrypt(KeyId=key, Plaintext=b"allowed by the edited policy")
    # A policy that would lock the editor out is refused, in words.
    area = browser.find_element(By.ID, "policyDocument")
    area.clear()
    area.send_keys(json.dumps({"Version": "2012-10-17", "Statement": [document["Statement"][1]]}))
    click(browser, By.XPATH, "//button[text()='Save key policy']")
    assert "MalformedPolicyDocumentException" in browser.find_element(By.CSS_SELECTOR, ".error").text

    today = time.strftime("%Y-%m-%d", time.gmtime())
    browser.get(own_server.endpoint + f"/console/audit?event=PutKeyPolicy&from={today}&to={today}")
    assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 2
    browser.get(own_server.endpoint + "/console/audit?event=PutKeyPolicy&from=2020-01-01&to=2020-12-31")
    assert "No records." in browser.find_element(By.TAG_NAME, "tbody").text


def test_console_and_api_share_the_rules(own_server):
    """An HMAC key cannot encrypt: the console refuses it with the API's own words."""
    opener, answer = signed_in_by_hand(own_server)
    session = answer.headers["Set-Cookie"].split(";")[0]
    page = urllib.request.urlopen(urllib.request.Request(own_server.endpoint + "/console/keys/new", headers={"Cookie": session})).read().decode()
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    fields = {"keySpec": "HMAC_256", "keyUsage": "ENCRYPT_DECRYPT", "origin": "AWS_KMS", "csrf": csrf}
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(urllib.request.Request(own_server.endpoint + "/console/keys", data=urllib.parse.urlencode(fields).encode(),
                                           headers={"Cookie": session}, method="POST"))
    body = e.value.read().decode()
    assert e.value.code == 400 and "ValidationException" in body and "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec HMAC_256" in body
    with pytest.raises(Exception) as api:
        make_client(own_server).create_key(KeySpec="HMAC_256", KeyUsage="ENCRYPT_DECRYPT")
    assert "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec HMAC_256" in str(api.value)
    assert make_client(own_server).list_keys()["Keys"] == []


def test_edit_aliases_tags_and_rotation_after_creation(own_server, browser):
    sign_in(browser, own_server)
    api = make_client(own_server)
    key = api.create_key(Tags=[{"TagKey": "team", "TagValue": "payments"}])["KeyMetadata"]["KeyId"]
    browser.get(own_server.endpoint + f"/console/keys/{key}")

    browser.find_element(By.ID, "newAlias").send_keys("console-added")
    click(browser, By.XPATH, "//button[text()='Add alias']")
    assert [a["AliasName"] for a in api.list_aliases(KeyId=key)["Aliases"]] == ["alias/console-added"]
    assert "alias/console-added" in browser.find_element(By.ID, "aliases").text
    click(browser, By.XPATH, "//button[normalize-space()='Delete alias alias/console-added']")
    assert api.list_aliases(KeyId=key)["Aliases"] == []

    browser.find_element(By.ID, "tagKey").send_keys("env")
    browser.find_element(By.ID, "tagValue").send_keys("staging")
    click(browser, By.XPATH, "//button[text()='Save tag']")
    tags = {t["TagKey"]: t["TagValue"] for t in api.list_resource_tags(KeyId=key)["Tags"]}
    assert tags == {"team": "payments", "env": "staging"}
    click(browser, By.XPATH, "//button[normalize-space()='Remove tag team']")
    assert api.list_resource_tags(KeyId=key)["Tags"] == [{"TagKey": "env", "TagValue": "staging"}]
    # A reserved tag key is refused with the API's words, and changes nothing.
    browser.find_element(By.ID, "tagKey").send_keys("aws:reserved")
    browser.find_element(By.ID, "tagValue").send_keys("x")
    click(browser, By.XPATH, "//button[text()='Save tag']")
    assert "TagException" in browser.find_element(By.CSS_SELECTOR, ".error").text
    assert len(api.list_resource_tags(KeyId=key)["Tags"]) == 1

    browser.get(own_server.endpoint + f"/console/keys/{key}")
    period = browser.find_element(By.ID, "period")
    period.clear()
    period.send_keys("30")
    click(browser, By.XPATH, "//button[text()='Enable automatic rotation']")
    assert "ValidationException" in browser.find_element(By.CSS_SELECTOR, ".error").text
    assert api.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False
    browser.get(own_server.endpoint + f"/console/keys/{key}")
    period = browser.find_element(By.ID, "period")
    period.clear()
    period.send_keys("180")
    click(browser, By.XPATH, "//button[text()='Enable automatic rotation']")
    status = api.get_key_rotation_status(KeyId=key)
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 180
    assert "Every 180 days" in browser.find_element(By.ID, "rotation").text
    ciphertext = api.encrypt(KeyId=key, Plaintext=b"before rotation")["CiphertextBlob"]
    click(browser, By.XPATH, "//button[text()='Rotate now']")
    assert len(api.list_key_rotations(KeyId=key)["Rotations"]) == 1
    assert api.decrypt(CiphertextBlob=ciphertext)["Plaintext"] == b"before rotation"
    click(browser, By.XPATH, "//button[text()='Disable automatic rotation']")
    assert api.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False

    # Every change went through the API's operations, so the audit log holds them.
    events = {e["EventName"] for e in make_client(own_server, service="cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": key}])["Events"]}
    assert {"CreateAlias", "DeleteAlias", "TagResource", "UntagResource", "EnableKeyRotation", "RotateKeyOnDemand", "DisableKeyRotation"} <= events
