"""Client-side wrapping with Python `cryptography`, as a user's script or HSM would do it."""
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

ALGORITHMS = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"]
SPECS = ["RSA_2048", "RSA_3072", "RSA_4096"]


def oaep(algorithm):
    h = hashes.SHA1() if algorithm.endswith("SHA_1") else hashes.SHA256()
    return padding.OAEP(mgf=padding.MGF1(algorithm=h), algorithm=h, label=None)


def wrap(material, public_key_der, algorithm):
    public_key = serialization.load_der_public_key(public_key_der)
    if algorithm.startswith("RSAES_OAEP"):
        return public_key.encrypt(material, oaep(algorithm))
    aes_key = os.urandom(32)
    return public_key.encrypt(aes_key, oaep(algorithm)) + aes_key_wrap_with_padding(aes_key, material)


def byok(kms, key_id, material, algorithm="RSAES_OAEP_SHA_256", spec="RSA_2048", **import_args):
    """GetParametersForImport → wrap → ImportKeyMaterial. Returns the import response."""
    params = kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec=spec)
    wrapped = wrap(material, params["PublicKey"], algorithm)
    if not import_args:
        import_args = {"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}
    return kms.import_key_material(KeyId=key_id, ImportToken=params["ImportToken"], EncryptedKeyMaterial=wrapped, **import_args)
