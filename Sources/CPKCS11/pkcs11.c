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

void trent_p11_close(trent_p11 *t) {
    if (!t) return;
    t->functions->C_Logout(t->session);
    t->functions->C_CloseSession(t->session);
    t->functions->C_Finalize(NULL);
    dlclose(t->library);
    free(t);
}
