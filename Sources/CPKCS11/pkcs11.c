#include "CPKCS11.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <p11-kit/pkcs11.h>

struct trent_p11 {
    void *library;
    CK_FUNCTION_LIST_PTR functions;
    CK_SESSION_HANDLE session;
    CK_OBJECT_HANDLE key;
    int have_key;
};

/// A token without RSA-OAEP over SHA-256 (SoftHSM2 offers SHA-1 only) says so in words.
static void fail_oaep(char *error, size_t len, const char *what, CK_RV rv, int sha256) {
    if (sha256 && (rv == CKR_ARGUMENTS_BAD || rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_MECHANISM_INVALID)) {
        if (error && len) snprintf(error, len, "%s: this token does not offer RSA-OAEP with SHA-256 (PKCS#11 error 0x%lx); use RSAES_OAEP_SHA_1 or RSA_AES_KEY_WRAP_SHA_1", what, (unsigned long)rv);
        return;
    }
    if (error && len) snprintf(error, len, "%s (PKCS#11 error 0x%lx)", what, (unsigned long)rv);
}

static void fail(char *error, size_t len, const char *what, CK_RV rv) {
    if (error && len) snprintf(error, len, "%s (PKCS#11 error 0x%lx)", what, (unsigned long)rv);
}

/// A fixed-width, space-padded token label compared with a C string.
static int label_matches(const unsigned char *field, size_t width, const char *label) {
    size_t n = strlen(label);
    if (n > width || memcmp(field, label, n) != 0) return 0;
    for (size_t i = n; i < width; i++) if (field[i] != ' ' && field[i] != 0) return 0;
    return 1;
}

trent_p11 *trent_p11_open(const char *module, const char *token_label, const char *pin, char *error, size_t error_len) {
    trent_p11 *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->library = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    if (!t->library) {
        if (error && error_len) snprintf(error, error_len, "cannot load PKCS#11 module %s: %s", module, dlerror());
        free(t);
        return NULL;
    }
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(t->library, "C_GetFunctionList");
    CK_RV rv = get ? get(&t->functions) : CKR_GENERAL_ERROR;
    if (rv != CKR_OK) { fail(error, error_len, "C_GetFunctionList failed", rv); goto unload; }
    CK_C_INITIALIZE_ARGS args = {0};
    args.flags = CKF_OS_LOCKING_OK;
    rv = t->functions->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) { fail(error, error_len, "C_Initialize failed", rv); goto unload; }

    CK_ULONG count = 0;
    rv = t->functions->C_GetSlotList(CK_TRUE, NULL, &count);
    if (rv != CKR_OK) { fail(error, error_len, "C_GetSlotList failed", rv); goto finalize; }
    CK_SLOT_ID *slots = calloc(count ? count : 1, sizeof *slots);
    if (!slots) goto finalize;
    rv = t->functions->C_GetSlotList(CK_TRUE, slots, &count);
    CK_SLOT_ID found = 0;
    int have_slot = 0;
    for (CK_ULONG i = 0; rv == CKR_OK && i < count && !have_slot; i++) {
        CK_TOKEN_INFO info;
        if (t->functions->C_GetTokenInfo(slots[i], &info) == CKR_OK && label_matches(info.label, sizeof info.label, token_label)) {
            found = slots[i];
            have_slot = 1;
        }
    }
    free(slots);
    if (!have_slot) {
        if (error && error_len) snprintf(error, error_len, "no PKCS#11 token labelled '%s' in %s", token_label, module);
        goto finalize;
    }
    rv = t->functions->C_OpenSession(found, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &t->session);
    if (rv != CKR_OK) { fail(error, error_len, "C_OpenSession failed", rv); goto finalize; }
    rv = t->functions->C_Login(t->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        fail(error, error_len, rv == CKR_PIN_INCORRECT ? "the token refused the PIN" : "C_Login failed", rv);
        t->functions->C_CloseSession(t->session);
        goto finalize;
    }
    return t;
finalize:
    t->functions->C_Finalize(NULL);
unload:
    dlclose(t->library);
    free(t);
    return NULL;
}

int trent_p11_select_key(trent_p11 *t, const char *label, int create, char *error, size_t error_len) {
    CK_OBJECT_CLASS class = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_AES;
    CK_ATTRIBUTE search[] = {
        {CKA_CLASS, &class, sizeof class},
        {CKA_KEY_TYPE, &type, sizeof type},
        {CKA_LABEL, (void *)label, strlen(label)},
    };
    CK_RV rv = t->functions->C_FindObjectsInit(t->session, search, 3);
    if (rv != CKR_OK) { fail(error, error_len, "C_FindObjectsInit failed", rv); return 0; }
    CK_OBJECT_HANDLE handle;
    CK_ULONG found = 0;
    rv = t->functions->C_FindObjects(t->session, &handle, 1, &found);
    t->functions->C_FindObjectsFinal(t->session);
    if (rv != CKR_OK) { fail(error, error_len, "C_FindObjects failed", rv); return 0; }
    if (found == 1) {
        t->key = handle;
        t->have_key = 1;
        return 1;
    }
    if (!create) {
        if (error && error_len) snprintf(error, error_len, "the token holds no AES key labelled '%s'", label);
        return 0;
    }
    CK_MECHANISM mechanism = {CKM_AES_KEY_GEN, NULL, 0};
    CK_ULONG length = 32;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE template[] = {
        {CKA_CLASS, &class, sizeof class},       {CKA_KEY_TYPE, &type, sizeof type},
        {CKA_LABEL, (void *)label, strlen(label)}, {CKA_VALUE_LEN, &length, sizeof length},
        {CKA_TOKEN, &yes, sizeof yes},           {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_SENSITIVE, &yes, sizeof yes},       {CKA_EXTRACTABLE, &no, sizeof no},
        {CKA_ENCRYPT, &yes, sizeof yes},         {CKA_DECRYPT, &yes, sizeof yes},
    };
    rv = t->functions->C_GenerateKey(t->session, &mechanism, template, sizeof template / sizeof template[0], &t->key);
    if (rv != CKR_OK) { fail(error, error_len, "C_GenerateKey failed", rv); return 0; }
    t->have_key = 1;
    return 1;
}

int trent_p11_gcm(trent_p11 *t, int encrypt, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                  const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len) {
    if (!t->have_key || (!encrypt && in_len < 16)) return 0;
    CK_GCM_PARAMS params = {(CK_BYTE_PTR)iv, 12, 96, (CK_BYTE_PTR)aad, aad_len, 128};
    CK_MECHANISM mechanism = {CKM_AES_GCM, &params, sizeof params};
    // Room for the whole input on decryption: some tokens (SoftHSM2) ask for it before checking the tag.
    CK_ULONG length = encrypt ? in_len + 16 : in_len;
    CK_RV rv = encrypt ? t->functions->C_EncryptInit(t->session, &mechanism, t->key)
                       : t->functions->C_DecryptInit(t->session, &mechanism, t->key);
    if (rv != CKR_OK) return 0;
    rv = encrypt ? t->functions->C_Encrypt(t->session, (CK_BYTE_PTR)in, in_len, out, &length)
                 : t->functions->C_Decrypt(t->session, (CK_BYTE_PTR)in, in_len, out, &length);
    if (rv != CKR_OK) return 0;
    *out_len = length;
    return 1;
}

/// The object of `class` labelled `label`, if exactly one exists.
static int find_object(trent_p11 *t, CK_OBJECT_CLASS class, const char *label, CK_OBJECT_HANDLE *out) {
    CK_ATTRIBUTE search[] = {{CKA_CLASS, &class, sizeof class}, {CKA_LABEL, (void *)label, strlen(label)}};
    if (t->functions->C_FindObjectsInit(t->session, search, 2) != CKR_OK) return 0;
    CK_OBJECT_HANDLE handles[2];
    CK_ULONG found = 0;
    CK_RV rv = t->functions->C_FindObjects(t->session, handles, 2, &found);
    t->functions->C_FindObjectsFinal(t->session);
    if (rv != CKR_OK || found != 1) return 0;
    *out = handles[0];
    return 1;
}

static int find_secret(trent_p11 *t, const char *label, CK_OBJECT_HANDLE *out) {
    return find_object(t, CKO_SECRET_KEY, label, out);
}

int trent_p11_generate_secret(trent_p11 *t, const char *label, int hmac, size_t length, char *error, size_t error_len) {
    CK_OBJECT_HANDLE existing;
    if (find_secret(t, label, &existing)) {
        if (error && error_len) snprintf(error, error_len, "the token already holds a key labelled '%s'", label);
        return 0;
    }
    CK_OBJECT_CLASS class = CKO_SECRET_KEY;
    CK_KEY_TYPE type = hmac ? CKK_GENERIC_SECRET : CKK_AES;
    CK_MECHANISM mechanism = {hmac ? CKM_GENERIC_SECRET_KEY_GEN : CKM_AES_KEY_GEN, NULL, 0};
    CK_ULONG value_len = length;
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE template[] = {
        {CKA_CLASS, &class, sizeof class},         {CKA_KEY_TYPE, &type, sizeof type},
        {CKA_LABEL, (void *)label, strlen(label)}, {CKA_VALUE_LEN, &value_len, sizeof value_len},
        {CKA_TOKEN, &yes, sizeof yes},             {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_SENSITIVE, &yes, sizeof yes},         {CKA_EXTRACTABLE, &yes, sizeof yes},
        {hmac ? CKA_SIGN : CKA_ENCRYPT, &yes, sizeof yes}, {hmac ? CKA_VERIFY : CKA_DECRYPT, &yes, sizeof yes},
    };
    CK_OBJECT_HANDLE key;
    CK_RV rv = t->functions->C_GenerateKey(t->session, &mechanism, template, sizeof template / sizeof template[0], &key);
    if (rv != CKR_OK) { fail(error, error_len, "C_GenerateKey failed", rv); return 0; }
    return 1;
}

/// PKCS#11 v2.40's CK_RSA_AES_KEY_WRAP_PARAMS (not in every header).
typedef struct { CK_ULONG aes_key_bits; CK_RSA_PKCS_OAEP_PARAMS *oaep; } rsa_aes_key_wrap_params;

int trent_p11_wrap_for_kms(trent_p11 *t, const char *label, const uint8_t *modulus, size_t modulus_len,
                           const uint8_t *exponent, size_t exponent_len, int key_wrap, int sha256,
                           uint8_t *out, size_t *out_len, char *error, size_t error_len) {
    CK_OBJECT_HANDLE target;
    int is_private = 0;
    if (!find_secret(t, label, &target)) {
        if (!find_object(t, CKO_PRIVATE_KEY, label, &target)) {
            if (error && error_len) snprintf(error, error_len, "the token holds no single secret or private key labelled '%s'", label);
            return 0;
        }
        is_private = 1;
    }
    if (is_private && !key_wrap) {
        // PKCS#11 wraps private keys (as PKCS#8) with key-wrap mechanisms only, as AWS requires for RSA keys.
        if (error && error_len) snprintf(error, error_len, "a private key in a token is wrapped with RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256 only");
        return 0;
    }
    // The wrapping public key, as a session object.
    CK_OBJECT_CLASS public_class = CKO_PUBLIC_KEY;
    CK_KEY_TYPE rsa_type = CKK_RSA;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE public_template[] = {
        {CKA_CLASS, &public_class, sizeof public_class}, {CKA_KEY_TYPE, &rsa_type, sizeof rsa_type},
        {CKA_TOKEN, &no, sizeof no}, {CKA_WRAP, &yes, sizeof yes}, {CKA_ENCRYPT, &yes, sizeof yes},
        {CKA_MODULUS, (void *)modulus, modulus_len}, {CKA_PUBLIC_EXPONENT, (void *)exponent, exponent_len},
    };
    CK_OBJECT_HANDLE rsa;
    CK_RV rv = t->functions->C_CreateObject(t->session, public_template, sizeof public_template / sizeof public_template[0], &rsa);
    if (rv != CKR_OK) { fail(error, error_len, "C_CreateObject (wrapping public key) failed", rv); return 0; }

    CK_RSA_PKCS_OAEP_PARAMS oaep = {sha256 ? CKM_SHA256 : CKM_SHA_1, sha256 ? CKG_MGF1_SHA256 : CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, NULL, 0};
    CK_MECHANISM oaep_mechanism = {CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep};
    int ok = 0;
    CK_ULONG length = *out_len;
    if (!key_wrap) {
        rv = t->functions->C_WrapKey(t->session, &oaep_mechanism, rsa, target, out, &length);
        if (rv == CKR_OK) { *out_len = length; ok = 1; } else fail_oaep(error, error_len, "C_WrapKey (RSAES-OAEP) failed", rv, sha256);
    } else {
        rsa_aes_key_wrap_params params = {256, &oaep};
        CK_MECHANISM combined = {CKM_RSA_AES_KEY_WRAP, &params, sizeof params};
        rv = t->functions->C_WrapKey(t->session, &combined, rsa, target, out, &length);
        if (rv == CKR_OK) {
            *out_len = length;
            ok = 1;
        } else if (rv == CKR_MECHANISM_INVALID) {
            // The same construction in two steps, inside the token: an ephemeral AES-256 key wraps
            // the material (RFC 5649), RSA-OAEP wraps the ephemeral key; only ciphertext leaves.
            CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;
            CK_KEY_TYPE aes_type = CKK_AES;
            CK_ULONG aes_len = 32;
            CK_ATTRIBUTE aes_template[] = {
                {CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
                {CKA_VALUE_LEN, &aes_len, sizeof aes_len}, {CKA_TOKEN, &no, sizeof no}, {CKA_SENSITIVE, &yes, sizeof yes},
                {CKA_EXTRACTABLE, &yes, sizeof yes}, {CKA_WRAP, &yes, sizeof yes},
            };
            CK_MECHANISM aes_gen = {CKM_AES_KEY_GEN, NULL, 0};
            CK_OBJECT_HANDLE aes;
            rv = t->functions->C_GenerateKey(t->session, &aes_gen, aes_template, sizeof aes_template / sizeof aes_template[0], &aes);
            if (rv != CKR_OK) {
                fail(error, error_len, "C_GenerateKey (ephemeral AES key) failed", rv);
            } else {
                CK_ULONG first = *out_len;
                rv = t->functions->C_WrapKey(t->session, &oaep_mechanism, rsa, aes, out, &first);
                if (rv != CKR_OK) {
                    fail_oaep(error, error_len, "C_WrapKey (ephemeral key, RSAES-OAEP) failed", rv, sha256);
                } else {
                    CK_MECHANISM pad = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
                    CK_ULONG second = *out_len - first;
                    rv = t->functions->C_WrapKey(t->session, &pad, aes, target, out + first, &second);
                    if (rv == CKR_OK) { *out_len = first + second; ok = 1; }
                    else fail(error, error_len, "C_WrapKey (AES key wrap with padding) failed", rv);
                }
                t->functions->C_DestroyObject(t->session, aes);
            }
        } else {
            fail(error, error_len, "C_WrapKey (RSA-AES key wrap) failed", rv);
        }
    }
    t->functions->C_DestroyObject(t->session, rsa);
    return ok;
}

int trent_p11_generate_key_pair(trent_p11 *t, const char *label, size_t rsa_bits, const uint8_t *ec_params, size_t ec_params_len,
                                char *error, size_t error_len) {
    CK_OBJECT_HANDLE existing;
    if (find_object(t, CKO_PRIVATE_KEY, label, &existing) || find_secret(t, label, &existing)) {
        if (error && error_len) snprintf(error, error_len, "the token already holds a key labelled '%s'", label);
        return 0;
    }
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG bits = rsa_bits;
    CK_BYTE exponent[] = {1, 0, 1};
    CK_ATTRIBUTE rsa_public[] = {
        {CKA_TOKEN, &yes, sizeof yes}, {CKA_LABEL, (void *)label, strlen(label)}, {CKA_VERIFY, &yes, sizeof yes},
        {CKA_MODULUS_BITS, &bits, sizeof bits}, {CKA_PUBLIC_EXPONENT, exponent, sizeof exponent},
    };
    CK_ATTRIBUTE ec_public[] = {
        {CKA_TOKEN, &yes, sizeof yes}, {CKA_LABEL, (void *)label, strlen(label)}, {CKA_VERIFY, &yes, sizeof yes},
        {CKA_EC_PARAMS, (void *)ec_params, ec_params_len},
    };
    CK_ATTRIBUTE private_template[] = {
        {CKA_TOKEN, &yes, sizeof yes}, {CKA_LABEL, (void *)label, strlen(label)}, {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_SENSITIVE, &yes, sizeof yes}, {CKA_EXTRACTABLE, &yes, sizeof yes}, {CKA_SIGN, &yes, sizeof yes},
        {CKA_DECRYPT, ec_params ? &no : &yes, sizeof yes},
    };
    CK_MECHANISM mechanism = {ec_params ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE public_key, private_key;
    CK_RV rv = ec_params
        ? t->functions->C_GenerateKeyPair(t->session, &mechanism, ec_public, 4, private_template, 7, &public_key, &private_key)
        : t->functions->C_GenerateKeyPair(t->session, &mechanism, rsa_public, 5, private_template, 7, &public_key, &private_key);
    if (rv != CKR_OK) { fail(error, error_len, "C_GenerateKeyPair failed", rv); return 0; }
    return 1;
}

int trent_p11_public_key(trent_p11 *t, const char *label, int *kind, uint8_t *a, size_t *a_len, uint8_t *b, size_t *b_len,
                         char *error, size_t error_len) {
    CK_OBJECT_HANDLE key;
    if (!find_object(t, CKO_PUBLIC_KEY, label, &key)) {
        if (error && error_len) snprintf(error, error_len, "the token holds no single public key labelled '%s'", label);
        return 0;
    }
    CK_KEY_TYPE type;
    CK_ATTRIBUTE type_attribute = {CKA_KEY_TYPE, &type, sizeof type};
    CK_RV rv = t->functions->C_GetAttributeValue(t->session, key, &type_attribute, 1);
    if (rv != CKR_OK) { fail(error, error_len, "C_GetAttributeValue failed", rv); return 0; }
    if (type == CKK_RSA) {
        CK_ATTRIBUTE values[] = {{CKA_MODULUS, a, *a_len}, {CKA_PUBLIC_EXPONENT, b, *b_len}};
        rv = t->functions->C_GetAttributeValue(t->session, key, values, 2);
        if (rv != CKR_OK) { fail(error, error_len, "C_GetAttributeValue (RSA) failed", rv); return 0; }
        *a_len = values[0].ulValueLen;
        *b_len = values[1].ulValueLen;
        *kind = 1;
        return 1;
    }
    CK_ATTRIBUTE point = {CKA_EC_POINT, a, *a_len};
    rv = t->functions->C_GetAttributeValue(t->session, key, &point, 1);
    if (rv != CKR_OK) { fail(error, error_len, "C_GetAttributeValue (EC point) failed", rv); return 0; }
    *a_len = point.ulValueLen;
    *b_len = 0;
    *kind = 2;
    return 1;
}

int trent_p11_hmac(trent_p11 *t, const char *label, int digest_bits, const uint8_t *message, size_t message_len,
                   uint8_t *out, size_t *out_len, char *error, size_t error_len) {
    CK_OBJECT_HANDLE key;
    if (!find_secret(t, label, &key)) {
        if (error && error_len) snprintf(error, error_len, "the token holds no single secret key labelled '%s'", label);
        return 0;
    }
    CK_MECHANISM_TYPE type = digest_bits == 224 ? CKM_SHA224_HMAC : digest_bits == 256 ? CKM_SHA256_HMAC
                           : digest_bits == 384 ? CKM_SHA384_HMAC : CKM_SHA512_HMAC;
    CK_MECHANISM mechanism = {type, NULL, 0};
    CK_RV rv = t->functions->C_SignInit(t->session, &mechanism, key);
    if (rv != CKR_OK) { fail(error, error_len, "C_SignInit failed", rv); return 0; }
    CK_ULONG length = *out_len;
    rv = t->functions->C_Sign(t->session, (CK_BYTE_PTR)message, message_len, out, &length);
    if (rv != CKR_OK) { fail(error, error_len, "C_Sign failed", rv); return 0; }
    *out_len = length;
    return 1;
}

void trent_p11_close(trent_p11 *t) {
    if (!t) return;
    t->functions->C_Logout(t->session);
    t->functions->C_CloseSession(t->session);
    t->functions->C_Finalize(NULL);
    dlclose(t->library);
    free(t);
}
