/* The service-account JWT (tools/gcp/jwt.c): signed with a key made here,
 * verified with libcrypto against its public half; header and claims as
 * Google's token endpoint wants them; base64url both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "../../../tools/gcp/jwt.h"

static EVP_PKEY *key;
static char *pem;

static int make_key(void **state)
{
    (void)state;
    key = EVP_RSA_gen(2048);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL); /* PKCS#8, as Google's */
    char *p;
    long n = BIO_get_mem_data(b, &p);
    pem = strndup(p, (size_t)n);
    BIO_free(b);
    return key && pem ? 0 : -1;
}

static int free_key(void **state)
{
    (void)state;
    EVP_PKEY_free(key);
    free(pem);
    return 0;
}

static json_t *decode_part(const char *s, size_t len)
{
    char *part = strndup(s, len);
    size_t n;
    unsigned char *raw = jwt_base64url_decode(part, &n);
    json_t *j = raw ? json_loadb((char *)raw, n, 0, NULL) : NULL;
    free(part);
    free(raw);
    return j;
}

static void test_signed_and_verifies(void **state)
{
    (void)state;
    char err[256] = "";
    char *jwt = jwt_make(pem, "kid-1", "sa@p.iam.gserviceaccount.com",
                         "https://www.googleapis.com/auth/cloud-platform",
                         "https://oauth2.googleapis.com/token", 1700000000, err, sizeof err);
    assert_non_null(jwt);
    char *dot1 = strchr(jwt, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    assert_non_null(dot2);
    assert_null(strchr(dot2 + 1, '.'));
    assert_null(strpbrk(jwt, "+/=")); /* base64url, no padding */

    json_t *h = decode_part(jwt, (size_t)(dot1 - jwt));
    json_t *c = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    assert_string_equal(json_string_value(json_object_get(h, "alg")), "RS256");
    assert_string_equal(json_string_value(json_object_get(h, "typ")), "JWT");
    assert_string_equal(json_string_value(json_object_get(h, "kid")), "kid-1");
    assert_string_equal(json_string_value(json_object_get(c, "iss")),
                        "sa@p.iam.gserviceaccount.com");
    assert_string_equal(json_string_value(json_object_get(c, "aud")),
                        "https://oauth2.googleapis.com/token");
    assert_string_equal(json_string_value(json_object_get(c, "scope")),
                        "https://www.googleapis.com/auth/cloud-platform");
    assert_int_equal(json_integer_value(json_object_get(c, "iat")), 1700000000);
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), 1700003600);

    size_t siglen;
    unsigned char *sig = jwt_base64url_decode(dot2 + 1, &siglen);
    assert_int_equal(siglen, 256);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
    assert_int_equal(EVP_DigestVerify(md, sig, siglen, (unsigned char *)jwt,
                                      (size_t)(dot2 - jwt)), 1);
    /* one bit changed in the claims: the signature no longer holds */
    jwt[(dot1 - jwt) + 3] ^= 1;
    EVP_MD_CTX_reset(md);
    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key);
    assert_int_not_equal(EVP_DigestVerify(md, sig, siglen, (unsigned char *)jwt,
                                          (size_t)(dot2 - jwt)), 1);
    EVP_MD_CTX_free(md);
    free(sig);
    json_decref(h);
    json_decref(c);
    free(jwt);
}

static void test_bad_keys(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(jwt_make("not a key", NULL, "i", "s", "a", 1, err, sizeof err));
    assert_non_null(strstr(err, "not a PEM private key"));

    EVP_PKEY *ec = EVP_EC_gen("P-256");
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, ec, NULL, NULL, 0, NULL, NULL);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *ecpem = strndup(p, (size_t)n);
    assert_null(jwt_make(ecpem, NULL, "i", "s", "a", 1, err, sizeof err));
    assert_non_null(strstr(err, "not an RSA key"));
    free(ecpem);
    BIO_free(b);
    EVP_PKEY_free(ec);
}

static void test_base64url(void **state)
{
    (void)state;
    /* RFC 4648 vectors, in the URL alphabet without padding */
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *out[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char *e = jwt_base64url((const unsigned char *)in[i], strlen(in[i]));
        assert_string_equal(e, out[i]);
        size_t n;
        unsigned char *d = jwt_base64url_decode(e, &n);
        assert_int_equal(n, strlen(in[i]));
        assert_memory_equal(d, in[i], n);
        free(d);
        free(e);
    }
    unsigned char hi[] = {0xfb, 0xff, 0xbf};
    char *e = jwt_base64url(hi, 3);
    assert_string_equal(e, "-_-_"); /* '-' and '_' where base64 has '+' and '/' */
    free(e);
    size_t n;
    assert_null(jwt_base64url_decode("ab+c", &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_and_verifies),
        cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_base64url),
    };
    return cmocka_run_group_tests(tests, make_key, free_key);
}
