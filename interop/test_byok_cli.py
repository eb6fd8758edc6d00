"""`trent byok`: generate, get-parameters, wrap, import and verify, against a live Trent, checked
with the aws CLI, openssl and Python `cryptography`."""
import base64
import json
import os
import stat
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from conftest import IDENTITIES, TRENT_BIN, AwsCli, make_client


def byok_cli(server, *args, env=None, check=True, identity="admin"):
    i = IDENTITIES[identity]
    environment = dict(os.environ, AWS_ACCESS_KEY_ID=i["AWS_ACCESS_KEY_ID"], AWS_SECRET_ACCESS_KEY=i["AWS_SECRET_ACCESS_KEY"],
                       AWS_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    environment.pop("AWS_PROFILE", None)
    environment.update(env or {})
    needs_endpoint = args[0] in ("get-parameters", "import", "verify")
    command = [TRENT_BIN, "byok", *args] + (["--endpoint-url", server.endpoint] if needs_endpoint else [])
    p = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)
    if check:
        assert p.returncode == 0, p.stdout + p.stderr
    return p


def refused(server, *args, **kwargs):
    p = byok_cli(server, *args, check=False, **kwargs)
    assert p.returncode != 0, p.stdout
    return p.stderr + p.stdout


@pytest.mark.parametrize("algorithm", ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"])
def test_wrapped_by_trent_byok_imports_through_the_aws_cli(server, tmp_path, algorithm):
    kms = make_client(server)
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    byok_cli(server, "generate", "--key-spec", "SYMMETRIC_DEFAULT", "--out", str(tmp_path / "material.bin"))
    assert stat.S_IMODE((tmp_path / "material.bin").stat().st_mode) == 0o600 and (tmp_path / "material.bin").stat().st_size == 32
    byok_cli(server, "get-parameters", "--key-id", key, "--wrapping-algorithm", algorithm, "--wrapping-key-spec", "RSA_3072",
             "--out", str(tmp_path / "params"))
    parameters = json.loads((tmp_path / "params" / "parameters.json").read_text())
    assert parameters["WrappingAlgorithm"] == algorithm and parameters["ParametersValidTo"].endswith("Z")
    byok_cli(server, "wrap", "--public-key", str(tmp_path / "params" / "WrappingPublicKey.bin"), "--parameters",
             str(tmp_path / "params" / "parameters.json"), "--key-material", str(tmp_path / "material.bin"),
             "--key-spec", "SYMMETRIC_DEFAULT", "--out", str(tmp_path / "EncryptedKeyMaterial.bin"))
    cli = AwsCli(server, tmp_path)
    cli.run("kms", "import-key-material", "--key-id", key, "--encrypted-key-material", "fileb://EncryptedKeyMaterial.bin",
            "--import-token", "fileb://params/ImportToken.bin", "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"
    verify = byok_cli(server, "verify", "--key-id", key, "--key-material", str(tmp_path / "material.bin"), check=False)
    assert verify.returncode == 3 and "Cannot verify" in verify.stdout


def test_import_then_the_aws_cli_encrypts_and_decrypts(server, tmp_path):
    kms = make_client(server)
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    subprocess.run(["openssl", "rand", "-out", str(tmp_path / "m.bin"), "32"], check=True)
    out = byok_cli(server, "import", "--key-id", key, "--key-material", str(tmp_path / "m.bin"), "--expires-in", "90d").stdout
    summary = json.loads(out)
    assert summary["KeyState"] == "Enabled" and summary["ExpirationModel"] == "KEY_MATERIAL_EXPIRES" and summary["KeyMaterialId"]
    cli = AwsCli(server, tmp_path)
    (tmp_path / "msg").write_bytes(b"hello byok")
    blob = cli.json("kms", "encrypt", "--key-id", key, "--plaintext", "fileb://msg")["CiphertextBlob"]
    (tmp_path / "msg.enc").write_bytes(base64.b64decode(blob))
    plain = cli.json("kms", "decrypt", "--ciphertext-blob", "fileb://msg.enc")["Plaintext"]
    assert base64.b64decode(plain) == b"hello byok"


def test_private_keys_from_openssl_and_cryptography(server, tmp_path):
    kms = make_client(server)
    # openssl: an EC P-384 key as PEM PKCS#8, an RSA key as PEM PKCS#1 ("traditional").
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", str(tmp_path / "p384.pem")], check=True)
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(tmp_path / "rsa.pem"), "2048"], check=True, capture_output=True)
    ed = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "ed.der").write_bytes(ed.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    for spec, path in [("ECC_NIST_P384", "p384.pem"), ("RSA_2048", "rsa.pem"), ("ECC_NIST_EDWARDS25519", "ed.der")]:
        key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        byok_cli(server, "import", "--key-id", key, "--key-material", str(tmp_path / path), "--no-expiry")
        assert "Verified" in byok_cli(server, "verify", "--key-id", key, "--key-material", str(tmp_path / path)).stdout
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key)["PublicKey"])
    assert public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == \
        ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_verify_hmac_and_mismatches(server, tmp_path):
    kms = make_client(server)
    key = kms.create_key(KeySpec="HMAC_384", KeyUsage="GENERATE_VERIFY_MAC", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    byok_cli(server, "generate", "--key-spec", "HMAC_384", "--out", str(tmp_path / "hmac.bin"))
    assert "365 days" in refused(server, "import", "--key-id", key, "--key-material", str(tmp_path / "hmac.bin"), "--valid-to", "2099-01-01T00:00:00Z")
    byok_cli(server, "import", "--key-id", key, "--key-material", str(tmp_path / "hmac.bin"), "--expires-in", "30d")
    assert "Verified" in byok_cli(server, "verify", "--key-id", key, "--key-material", str(tmp_path / "hmac.bin")).stdout
    (tmp_path / "other.bin").write_bytes(os.urandom(48))
    p = byok_cli(server, "verify", "--key-id", key, "--key-material", str(tmp_path / "other.bin"), check=False)
    assert p.returncode == 1 and "MISMATCH" in p.stdout


def test_refusals(server, tmp_path):
    kms = make_client(server)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "rsa.der").write_bytes(rsa_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    p521 = ec.generate_private_key(ec.SECP521R1())
    (tmp_path / "p521.der").write_bytes(p521.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (tmp_path / "short.bin").write_bytes(os.urandom(16))
    (tmp_path / "bad.pem").write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    params = tmp_path / "params"
    byok_cli(server, "get-parameters", "--key-id", key, "--wrapping-algorithm", "RSAES_OAEP_SHA_256", "--wrapping-key-spec", "RSA_2048", "--out", str(params))
    wrap = ["wrap", "--public-key", str(params / "WrappingPublicKey.bin"), "--out", str(tmp_path / "out.bin")]
    assert "RSA_AES_KEY_WRAP" in refused(server, *wrap, "--algorithm", "RSAES_OAEP_SHA_256", "--key-material", str(tmp_path / "rsa.der"))
    assert "ECC_NIST_P521" in refused(server, *wrap, "--algorithm", "RSAES_OAEP_SHA_256", "--key-material", str(tmp_path / "p521.der"))
    assert "must be 32" in refused(server, *wrap, "--algorithm", "RSAES_OAEP_SHA_256", "--key-material", str(tmp_path / "short.bin"),
                                   "--key-spec", "SYMMETRIC_DEFAULT")
    assert "PEM" in refused(server, *wrap, "--algorithm", "RSAES_OAEP_SHA_256", "--key-material", str(tmp_path / "bad.pem"))
    assert "not a wrapping algorithm" in refused(server, *wrap, "--algorithm", "RSAES_PKCS1_V1_5", "--key-material", str(tmp_path / "short.bin"))
    expired = json.loads((params / "parameters.json").read_text())
    expired["ParametersValidTo"] = "2020-01-01T00:00:00Z"
    (tmp_path / "expired.json").write_text(json.dumps(expired))
    assert "expired" in refused(server, *wrap, "--parameters", str(tmp_path / "expired.json"), "--key-material", str(tmp_path / "short.bin"))
    # import: the material is checked against the key's spec, the expiry against AWS's limits.
    assert "must be 32" in refused(server, "import", "--key-id", key, "--key-material", str(tmp_path / "short.bin"), "--no-expiry")
    assert "in the past" in refused(server, "import", "--key-id", key, "--key-material", str(tmp_path / "short.bin"), "--valid-to", "2020-01-01T00:00:00Z")
    assert "exactly one" in refused(server, "import", "--key-id", key, "--key-material", str(tmp_path / "short.bin"))
    generated = kms.create_key()["KeyMetadata"]["KeyId"]
    assert "origin EXTERNAL" in refused(server, "import", "--key-id", generated, "--key-material", str(tmp_path / "short.bin"), "--no-expiry")
    # generate never overwrites.
    assert "never overwritten" in refused(server, "generate", "--key-spec", "SYMMETRIC_DEFAULT", "--out", str(tmp_path / "short.bin"))
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingImport"


def test_credentials_chain(server, tmp_path):
    i = IDENTITIES["admin"]
    (tmp_path / "credentials").write_text(f"[ops]\naws_access_key_id = {i['AWS_ACCESS_KEY_ID']}\naws_secret_access_key = {i['AWS_SECRET_ACCESS_KEY']}\n")
    (tmp_path / "config").write_text("[profile ops]\nregion = eu-west-1\n")
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"), "AWS_CONFIG_FILE": str(tmp_path / "config"),
           "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_REGION": ""}
    env = {k: v for k, v in env.items() if v}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    key = make_client(server, region="eu-west-1").create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    p = subprocess.run([TRENT_BIN, "byok", "get-parameters", "--endpoint-url", server.endpoint, "--profile", "ops", "--key-id", key,
                        "--wrapping-algorithm", "RSAES_OAEP_SHA_256", "--wrapping-key-spec", "RSA_2048", "--out", str(tmp_path / "p")],
                       env=dict(clean, **env), capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr  # the key is in eu-west-1: the profile's region was used
    p = subprocess.run([TRENT_BIN, "byok", "get-parameters", "--endpoint-url", server.endpoint, "--profile", "nobody", "--key-id", key,
                        "--wrapping-algorithm", "RSAES_OAEP_SHA_256", "--wrapping-key-spec", "RSA_2048", "--out", str(tmp_path / "q")],
                       env=dict(clean, **env), capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "profile 'nobody'" in p.stderr
    p = subprocess.run([TRENT_BIN, "byok", "verify", "--endpoint-url", server.endpoint, "--region", "us-east-1", "--key-id", key,
                        "--key-material", str(tmp_path / "p" / "ImportToken.bin")], env=clean, capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "no AWS credentials" in p.stderr
    wrong = byok_cli(server, "verify", "--key-id", key, "--key-material", str(tmp_path / "p" / "ImportToken.bin"), check=False,
                     env={"AWS_SECRET_ACCESS_KEY": "wrong"})
    assert wrong.returncode != 0 and "InvalidSignatureException" in wrong.stderr


@pytest.mark.parametrize("command", ["get-parameters", "wrap", "generate", "import", "verify"])
def test_help(command):
    out = subprocess.run([TRENT_BIN, "byok", command, "--help"], capture_output=True, text=True, check=True).stdout
    assert "USAGE: trent byok " + command in out and ("--key" in out or "--public-key" in out)


def hsm_args(label):
    from conftest import SOFTHSM_MODULE
    return ["--pkcs11-module", SOFTHSM_MODULE, "--token-label", "trent", "--pin-source", "env:TRENT_TEST_PIN", "--key-label", label]


@pytest.mark.parametrize("algorithm", ["RSAES_OAEP_SHA_1", "RSA_AES_KEY_WRAP_SHA_1"])
def test_hsm_material_never_leaves_the_token(server, hsm, algorithm):
    """SoftHSM2: HMAC key material generated in the token, wrapped there, imported, and verified
    by comparing GenerateMac with an HMAC computed by the token."""
    kms = make_client(server)
    key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    label = f"hmac-{algorithm.lower()}"
    out = byok_cli(server, "generate", "--key-spec", "HMAC_256", *hsm_args(label), env=hsm).stdout
    assert "leaves the token only wrapped" in out
    assert "already holds" in refused(server, "generate", "--key-spec", "HMAC_256", *hsm_args(label), env=hsm)
    summary = json.loads(byok_cli(server, "import", "--key-id", key, "--wrapping-algorithm", algorithm, "--no-expiry", *hsm_args(label), env=hsm).stdout)
    assert summary["KeyState"] == "Enabled"
    assert "Verified" in byok_cli(server, "verify", "--key-id", key, *hsm_args(label), env=hsm).stdout
    # A different token key does not verify.
    byok_cli(server, "generate", "--key-spec", "HMAC_256", *hsm_args(label + "-other"), env=hsm)
    p = byok_cli(server, "verify", "--key-id", key, *hsm_args(label + "-other"), env=hsm, check=False)
    assert p.returncode == 1 and "MISMATCH" in p.stdout


def test_hsm_symmetric_key_and_refusals(server, hsm, tmp_path):
    kms = make_client(server)
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    byok_cli(server, "generate", "--key-spec", "SYMMETRIC_DEFAULT", *hsm_args("aes-1"), env=hsm)
    # SoftHSM2 has RSA-OAEP with SHA-1 only: SHA-256 is refused in words.
    message = refused(server, "import", "--key-id", key, "--expires-in", "1d", "--wrapping-algorithm", "RSA_AES_KEY_WRAP_SHA_256", *hsm_args("aes-1"), env=hsm)
    assert "does not offer RSA-OAEP with SHA-256" in message
    byok_cli(server, "import", "--key-id", key, "--expires-in", "1d", "--wrapping-algorithm", "RSA_AES_KEY_WRAP_SHA_1", *hsm_args("aes-1"), env=hsm)
    blob = kms.encrypt(KeyId=key, Plaintext=b"material from the HSM")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"material from the HSM"
    assert "never leaves the token" in refused(server, "generate", "--key-spec", "SYMMETRIC_DEFAULT", "--out", str(tmp_path / "x"), *hsm_args("aes-2"), env=hsm)
    assert "not generated in a token" in refused(server, "generate", "--key-spec", "ECC_NIST_EDWARDS25519", *hsm_args("ed"), env=hsm)
    assert "no single secret or private key" in refused(server, "import", "--key-id", key, "--no-expiry", *hsm_args("missing"), env=hsm)
    wrong_pin = dict(hsm, TRENT_TEST_PIN="0000")
    assert "PIN" in refused(server, "import", "--key-id", key, "--no-expiry", *hsm_args("aes-1"), env=wrong_pin)
    assert "either --key-material" in refused(server, "import", "--key-id", key, "--no-expiry", "--key-material", str(tmp_path / "x"), *hsm_args("aes-1"), env=hsm)


@pytest.mark.parametrize("wrapper", ["openssl", "cryptography"])
def test_material_wrapped_elsewhere_imports_through_trent_byok(server, tmp_path, wrapper):
    kms = make_client(server)
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    params = tmp_path / "params"
    byok_cli(server, "get-parameters", "--key-id", key, "--wrapping-algorithm", "RSAES_OAEP_SHA_256", "--wrapping-key-spec", "RSA_2048", "--out", str(params))
    material = os.urandom(32)
    (tmp_path / "m.bin").write_bytes(material)
    if wrapper == "openssl":
        subprocess.run(["openssl", "pkeyutl", "-encrypt", "-in", str(tmp_path / "m.bin"), "-out", str(tmp_path / "wrapped.bin"),
                        "-inkey", str(params / "WrappingPublicKey.bin"), "-keyform", "DER", "-pubin",
                        "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"], check=True)
    else:
        from byok import wrap
        (tmp_path / "wrapped.bin").write_bytes(wrap(material, (params / "WrappingPublicKey.bin").read_bytes(), "RSAES_OAEP_SHA_256"))
    summary = json.loads(byok_cli(server, "import", "--key-id", key, "--encrypted-key-material", str(tmp_path / "wrapped.bin"),
                                  "--import-token", str(params / "ImportToken.bin"), "--expires-in", "7d").stdout)
    assert summary["KeyState"] == "Enabled" and summary["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert "--import-token" in refused(server, "import", "--key-id", key, "--encrypted-key-material", str(tmp_path / "wrapped.bin"), "--no-expiry")


@pytest.mark.parametrize("spec", ["RSA_2048", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_SECG_P256K1"])
def test_hsm_key_pairs(server, hsm, spec):
    """A key pair generated in SoftHSM2, its private key wrapped there (PKCS#8 under the RSA-AES key wrap),
    imported, and verified by the public key and a KMS signature checked against it."""
    kms = make_client(server)
    key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    label = f"pair-{spec.lower()}"
    byok_cli(server, "generate", "--key-spec", spec, *hsm_args(label), env=hsm)
    assert "RSA_AES_KEY_WRAP" in refused(server, "import", "--key-id", key, "--no-expiry", "--wrapping-algorithm", "RSAES_OAEP_SHA_1",
                                         *hsm_args(label), env=hsm)
    summary = json.loads(byok_cli(server, "import", "--key-id", key, "--no-expiry", "--wrapping-algorithm", "RSA_AES_KEY_WRAP_SHA_1",
                                  *hsm_args(label), env=hsm).stdout)
    assert summary["KeyState"] == "Enabled"
    out = byok_cli(server, "verify", "--key-id", key, *hsm_args(label), env=hsm).stdout
    assert "Verified" in out and "signature verifies locally" in out
