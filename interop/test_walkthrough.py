"""The README's BYOK walkthrough, with the real aws CLI and openssl, for every algorithm × key spec."""
import base64
import datetime
import os
import subprocess

import pytest

from byok import ALGORITHMS, SPECS


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def openssl_wrap(cwd, algorithm):
    """Wraps PlaintextKeyMaterial.bin into EncryptedKeyMaterial.bin as AWS's documentation does."""
    md = "sha1" if algorithm.endswith("SHA_1") else "sha256"
    oaep = ["-pubin", "-inkey", "WrappingPublicKey.bin", "-keyform", "DER",
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", f"rsa_oaep_md:{md}", "-pkeyopt", f"rsa_mgf1_md:{md}"]
    if algorithm.startswith("RSAES_OAEP"):
        openssl("pkeyutl", "-encrypt", "-in", "PlaintextKeyMaterial.bin", "-out", "EncryptedKeyMaterial.bin", *oaep, cwd=cwd)
        return
    openssl("rand", "-out", "aes-key.bin", "32", cwd=cwd)
    aes_hex = open(os.path.join(cwd, "aes-key.bin"), "rb").read().hex()
    openssl("enc", "-id-aes256-wrap-pad", "-K", aes_hex, "-iv", "A65959A6",
            "-in", "PlaintextKeyMaterial.bin", "-out", "key_material_wrapped.bin", cwd=cwd)
    openssl("pkeyutl", "-encrypt", "-in", "aes-key.bin", "-out", "aes-key_wrapped.bin", *oaep, cwd=cwd)
    with open(os.path.join(cwd, "EncryptedKeyMaterial.bin"), "wb") as out:
        for part in ("aes-key_wrapped.bin", "key_material_wrapped.bin"):
            out.write(open(os.path.join(cwd, part), "rb").read())


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_cli_openssl_walkthrough(aws, tmp_path, algorithm, spec):
    # 1. An EXTERNAL key, pending import, without expiration fields.
    meta = aws.json("kms", "create-key", "--origin", "EXTERNAL", "--description", f"BYOK {algorithm} {spec}",
                    "--tags", "TagKey=purpose,TagValue=interop")["KeyMetadata"]
    key_id = meta["KeyId"]
    assert meta["KeyState"] == "PendingImport" and meta["Origin"] == "EXTERNAL" and meta["Enabled"] is False
    assert "ExpirationModel" not in meta and "ValidTo" not in meta

    # 2. Wrapping public key and import token, valid for 24 hours.
    params = aws.json("kms", "get-parameters-for-import", "--key-id", key_id,
                      "--wrapping-algorithm", algorithm, "--wrapping-key-spec", spec)
    assert params["KeyId"] == meta["Arn"]
    valid_to = params["ParametersValidTo"]
    now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    assert abs(valid_to - (now + 24 * 3600)) < 120
    (tmp_path / "WrappingPublicKey.bin").write_bytes(base64.b64decode(params["PublicKey"]))
    (tmp_path / "ImportToken.bin").write_bytes(base64.b64decode(params["ImportToken"]))
    text = subprocess.run(["openssl", "pkey", "-pubin", "-inform", "DER", "-in", "WrappingPublicKey.bin", "-noout", "-text"],
                          cwd=tmp_path, check=True, capture_output=True, text=True).stdout
    assert f"({spec.split('_')[1]} bit)" in text

    # 3. 32 random bytes, wrapped by openssl.
    openssl("rand", "-out", "PlaintextKeyMaterial.bin", "32", cwd=tmp_path)
    openssl_wrap(tmp_path, algorithm)

    # 4. Import with an expiry.
    expiry = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)).replace(microsecond=0)
    imported = aws.json("kms", "import-key-material", "--key-id", key_id,
                        "--encrypted-key-material", "fileb://EncryptedKeyMaterial.bin",
                        "--import-token", "fileb://ImportToken.bin",
                        "--expiration-model", "KEY_MATERIAL_EXPIRES", "--valid-to", expiry.isoformat())
    assert imported["KeyId"] == meta["Arn"]
    assert len(imported["KeyMaterialId"]) == 64 and imported["KeyMaterialId"] == imported["KeyMaterialId"].lower()

    described = aws.json("kms", "describe-key", "--key-id", key_id)["KeyMetadata"]
    assert described["KeyState"] == "Enabled" and described["Enabled"] is True
    assert described["Origin"] == "EXTERNAL"
    assert described["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert described["ValidTo"] == expiry.timestamp()

    # Encrypt and decrypt with the imported key, with an encryption context.
    (tmp_path / "secret.txt").write_bytes(b"attack at dawn")
    ct = aws.json("kms", "encrypt", "--key-id", key_id, "--plaintext", "fileb://secret.txt",
                  "--encryption-context", "app=interop")
    (tmp_path / "secret.enc").write_bytes(base64.b64decode(ct["CiphertextBlob"]))
    pt = aws.json("kms", "decrypt", "--ciphertext-blob", "fileb://secret.enc", "--encryption-context", "app=interop")
    assert base64.b64decode(pt["Plaintext"]) == b"attack at dawn"
    assert pt["KeyId"] == meta["Arn"]
    bad = aws.run("kms", "decrypt", "--ciphertext-blob", "fileb://secret.enc", check=False)
    assert bad.returncode != 0 and "InvalidCiphertextException" in bad.stderr
