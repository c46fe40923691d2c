/* The signed JWT a service account trades for an access token (RFC 7519,
 * RS256 = RSASSA-PKCS1-v1_5 with SHA-256, RFC 7515), signed with libcrypto. */
#ifndef CLOAK_TOOLS_GCP_JWT_H
#define CLOAK_TOOLS_GCP_JWT_H

#include <stddef.h>

/* base64url without padding; malloc'd. */
char *jwt_base64url(const unsigned char *data, size_t len);
/* Decodes base64url (padding optional) into a malloc'd buffer, *len its
 * size; NULL if s is not base64url. */
unsigned char *jwt_base64url_decode(const char *s, size_t *len);
/* header.claims.signature: header {"alg":"RS256","typ":"JWT"[,"kid"]},
 * claims {iss, scope, aud, iat, exp = iat + 3600}.  pem_key: the PKCS#8
 * private key of the key file.  malloc'd, or NULL with err. */
char *jwt_make(const char *pem_key, const char *kid, const char *iss, const char *scope,
               const char *aud, long long iat, char *err, size_t errlen);

#endif
