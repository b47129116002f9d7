"""PyJWT side of the interoperability tests (driven by interop.rs).

usage:
  pyjwt_helper.py verify ALG JWK_FILE TOKEN ISS AUD   -> prints the payload JSON
  pyjwt_helper.py sign   ALG JWK_FILE CLAIMS_JSON     -> prints a compact JWS
"""
import json
import sys

import jwt


def key_from(path, alg):
    with open(path) as f:
        return jwt.PyJWK(json.load(f), algorithm=alg)


def main():
    mode, alg, path = sys.argv[1:4]
    key = key_from(path, alg)
    if mode == "verify":
        token, iss, aud = sys.argv[4:7]
        payload = jwt.decode(
            token,
            key=key,
            algorithms=[alg],
            issuer=iss,
            audience=aud,
            options={"require": ["exp", "iss", "aud"]},
        )
        print(json.dumps(payload, sort_keys=True))
    elif mode == "sign":
        claims = json.loads(sys.argv[4])
        headers = {"kid": key._jwk_data.get("kid")} if key._jwk_data.get("kid") else None
        print(jwt.encode(claims, key, algorithm=alg, headers=headers))
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
