/* The service-account JWT (jwt.h). */
#define _GNU_SOURCE
#include "jwt.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *jwt_base64url(const unsigned char *d, size_t len)
{
    char *out = malloc(len / 3 * 4 + 5), *o = out;

    if (!out)
        return NULL;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        *o++ = b64url[v >> 18];
        *o++ = b64url[(v >> 12) & 63];
        *o++ = b64url[(v >> 6) & 63];
        *o++ = b64url[v & 63];
    }
    if (len - i == 1) {
        unsigned v = (unsigned)d[i] << 16;
        *o++ = b64url[v >> 18];
        *o++ = b64url[(v >> 12) & 63];
    } else if (len - i == 2) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8;
        *o++ = b64url[v >> 18];
        *o++ = b64url[(v >> 12) & 63];
        *o++ = b64url[(v >> 6) & 63];
    }
    *o = 0;
    return out;
}

unsigned char *jwt_base64url_decode(const char *s, size_t *len)
{
    size_t n = strlen(s);
    unsigned char *out = malloc(n * 3 / 4 + 3);
    unsigned acc = 0, bits = 0;

    if (!out)
        return NULL;
    *len = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=')
            break;
        const char *p = strchr(b64url, s[i]);
        if (!p || !s[i]) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (unsigned)(p - b64url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[(*len)++] = (unsigned char)(acc >> bits);
        }
    }
    return out;
}

static char *b64_json(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *b = s ? jwt_base64url((unsigned char *)s, strlen(s)) : NULL;

    free(s);
    json_decref(j);
    return b;
}

/* RS256 signature of input with the PEM key; malloc'd base64url. */
static char *sign(const char *pem_key, const char *input, char *err, size_t errlen)
{
    BIO *bio = BIO_new_mem_buf(pem_key, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t siglen = 0;
    char *out = NULL;

    if (!key) {
        snprintf(err, errlen, "the private_key is not a PEM private key libcrypto can read");
    } else if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
        snprintf(err, errlen, "the private_key is not an RSA key (RS256 needs one)");
    } else if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
               EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input,
                              strlen(input)) != 1 ||
               !(sig = malloc(siglen)) ||
               EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input,
                              strlen(input)) != 1) {
        snprintf(err, errlen, "signing the JWT failed: %s",
                 ERR_error_string(ERR_get_error(), NULL));
    } else {
        out = jwt_base64url(sig, siglen);
    }
    free(sig);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    BIO_free(bio);
    return out;
}

char *jwt_make(const char *pem_key, const char *kid, const char *iss, const char *scope,
               const char *aud, long long iat, char *err, size_t errlen)
{
    json_t *h = json_pack("{s:s, s:s}", "alg", "RS256", "typ", "JWT");
    if (kid && *kid)
        json_object_set_new(h, "kid", json_string(kid));
    json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", iss, "scope", scope, "aud", aud,
                          "iat", (json_int_t)iat, "exp", (json_int_t)(iat + 3600));
    char *hb = b64_json(h), *cb = b64_json(c), *input = NULL, *sig = NULL, *jwt = NULL;

    if (hb && cb && asprintf(&input, "%s.%s", hb, cb) >= 0 &&
        (sig = sign(pem_key, input, err, errlen)) != NULL &&
        asprintf(&jwt, "%s.%s", input, sig) < 0)
        jwt = NULL;
    free(hb);
    free(cb);
    free(input);
    free(sig);
    return jwt;
}
