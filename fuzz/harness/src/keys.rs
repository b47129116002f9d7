//! The fixed key material the targets sign with, and tokens built from it
//! without auth-core's token writer.

use auth_core::{Algorithm, Family, SigningKey, hazmat};
use base64ct::{Base64UrlUnpadded, Encoding};

// Fixed key material, generated once with `SigningKey::generate(..)
// .to_private_jwk()` and trimmed of `alg`, `kid` and `use`: the RSA key serves
// all six RSA algorithms. These keys protect nothing.
const HS256_JWK: &str = r#"{"kty":"oct","k":"6-mh6UKqwFpDN-x-rCOjwQgvz2pwii9G6AvXYIG6nv0"}"#;
const HS384_JWK: &str = concat!(
    r#"{"kty":"oct","k":"3wUcvkf5qn39btBj41lRAMjtQ9WbKS7HQC46sF4XgkNKAj_y-2WoWIBZYb7y6m"#,
    r#"4i"}"#,
);

const HS512_JWK: &str = concat!(
    r#"{"kty":"oct","k":"XxMTRGwoZlwJNOMQgPXXkw9acbCkj4dIDsrx_Mqho_2GjT_d6vXFi8on41qADz"#,
    r#"YPUUiRiErxONwQkDU_4VnIfQ"}"#,
);

const RSA_JWK: &str = concat!(
    r#"{"kty":"RSA","n":"9TFG5n-el4o7kvV2LuOUt5y_b9pbBYElTd9On0L1pUt-p1euG1NG_3A2gQyBZq"#,
    r#"3-D3kiJAydhxuvbKwT116FHrAOEdwC62Vpi63sNGfPVIfKjXricUXCdsjh8sVsRgNC7iPCKHoZNHz9rK"#,
    r#"65CcGR8ZbCmX1vyyROvc-rE259RNiBoiEuecrtVz-8R7H_wazlnkJphzplQQVPgKDV5MNVVB-GvqX9uY"#,
    r#"xpffx7D4ZbqoJiEpHZMXHUmZ9obhe9OxItGvqC2FuORZbROHQW0j4nL7VzaFfu6ePaPYGlQ6cw8JvpdQ"#,
    r#"Iz4H-OVfiYCspp9RfYHLWBScEU6bJsZY0x5I_L9w","e":"AQAB","d":"c0EEiNi4XZdWxY-oTAYiI-"#,
    r#"UEf7luS7oXJPGw7V_2RAqmsFaguqt8lhnTJPoR4YgsAm34RGXBrn6vCTAh63y8ql4rXu3CWZBD-qp4e3"#,
    r#"HInX1vEu4OfxxBesCWpR1z9b0WuwYIACrUqj2OqJtA03sv9RXex3OVFzIr6UEys2GedLs9NYQbzkRast"#,
    r#"tbEf_JHD5uREOJHv0Gu7aUgNRO6xzGgse9mTQ9NLZC0cd2QILK1SE3uof5j-P8h0XwnJQy0WtZNUcqMV"#,
    r#"v6t846R16GW62ZQoacAhfYky9n1OUHdU_2pHPMCit_6Xj-J-FvwfdBJ9nnGMPgLuw2H_KBQP6HRxXa0Q"#,
    r#"","p":"9zkxuOHMW45MW29y8NkwCd1FaoMd4qJys2KJ9zeTtOoI-_xnuVOszUZgda_2J8uv4f1eGBrzo"#,
    r#"ee911t7eO766IWaS9UrClt1Lve9-XS6qxDroxtBgjJVKL8lc950dVmMwVBc3hpBHxQSB1LEw1OCwvsG7"#,
    r#"sIjU-5SRN79l75EM-M","q":"_eWgFlLvuDvg5bYiep9-8sRY4J0MdR4jUdBVZZqGL_ucpZNotivoKCi"#,
    r#"Q3l21s_7mElvXGKCTqvKc1-dGZUIVjQJElHrR4SwFula1s5OQCrhThhHayTuWg1ICrIf0qCyexHBwABb"#,
    r#"pF-DK5VH_ztN73KaaCeOSegd8iBfBnCFuy90","dp":"8BnzCWz6jTzhObg-uF0mw53Lygs3XiGJJmEg"#,
    r#"PyIR6RWWziwwDJSQcfjUu9e-SJ4Q3nm1BdI_JdIs1Ng7TZNDycnftaB9IZz7bTccoQZWOMfBInLZJ3p8"#,
    r#"rIsf861sC4CCLElBOE_lSSqz67rd8BnOGFG2RPH1X5FJAyxSvCoEkSM","dq":"NQxON3vapFa2dahpa"#,
    r#"c97WcPWgg-uM6Y5YPWzcggoM0xR_XJgNXfVCNb49c0EkvgWIA3aUkXytIv-Y0nqNmvpTs4DgDZtNavaA"#,
    r#"oXtbvjM5sB-iwud99-gYg23i07Yum6gOZD4hbxDtX59Rg6s8QzU21Rf6OMIjsCTr2evRyzhFm0","qi""#,
    r#":"scitsQLv2N2mwMuTb_zPa5BzvDxNn2WMf-wInBWky7pzqDxrhmVbhXccVMfK3Z8n2QfBEfRGJuvxnG"#,
    r#"_y0_Nay5g1e7ip-7jF8Zn9hb5ScCgNqmSf80g0WTsT-PzGs3dDm8xM1Wt_3SJvykS4_U4l8liy6MtuS3"#,
    r#"Bt4F6WBirxyY0"}"#,
);

const ES256_JWK: &str = concat!(
    r#"{"kty":"EC","crv":"P-256","x":"sPwfRb5j1LH2VzqA5akgQgqADW-cjb-HR612NLeCBY8","y":"#,
    r#""ibBJ0zewknBg2fBpxn3e4O13aPsW-upA-AD8IoqjG4A","d":"221-2kwxEdg8ZHSl8sEeRKBbr5VZW"#,
    r#"YDcH9aaLTAeELM"}"#,
);

const ES384_JWK: &str = concat!(
    r#"{"kty":"EC","crv":"P-384","x":"I-44S0Elq5siuJfCJqRIBOCuf2pSGxgHDhmJCidbbjAW8AJMU"#,
    r#"irFKBx8OVi8JRz3","y":"Jtvgr5a69MTFa4wkZkSpFo6ADYldE5Chsgx3ssC2rcHxVVtNZFthVpNF5W"#,
    r#"WMQEKe","d":"EBaEM7VU2ep1fHrf-2U7XglvESEl-DUDZnscY96uHw-gO7k_mT8GKbrTsE59QPPU"}"#,
);

/// The private JWK for `alg`.
pub(crate) fn private_jwk(alg: Algorithm) -> &'static str {
    match (alg.family(), alg) {
        (_, Algorithm::Hs256) => HS256_JWK,
        (_, Algorithm::Hs384) => HS384_JWK,
        (_, Algorithm::Hs512) => HS512_JWK,
        (Family::Rsa, _) => RSA_JWK,
        (_, Algorithm::Es256) => ES256_JWK,
        _ => ES384_JWK,
    }
}

/// A compact JWS over `header` and `payload` exactly as given, built here
/// from the bare signature primitive and an independent base64url encoder
/// (`base64ct`), so nothing of auth-core's token writer is assumed.
pub fn sign_parts(key: &SigningKey, header: &[u8], payload: &[u8]) -> String {
    let mut token = Base64UrlUnpadded::encode_string(header);
    token.push('.');
    token.push_str(&Base64UrlUnpadded::encode_string(payload));
    let signature = hazmat::sign_raw(key, token.as_bytes()).expect("fixed keys sign");
    token.push('.');
    token.push_str(&Base64UrlUnpadded::encode_string(&signature));
    token
}

/// The bytes before the last `.`: what the signature covers.
pub(crate) fn signing_input(token: &[u8]) -> &[u8] {
    let end = token.iter().rposition(|&b| b == b'.').unwrap_or(0);
    &token[..end]
}
