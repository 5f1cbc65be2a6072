//! The OAuth2 endpoints as Gorgias's demo shows them (gorgias/appstore-demo-app README):
//! authorize (302 with a code), token (code and refresh grants, Basic client auth, JWT access
//! tokens, `expires_in: 0`), revoke, and the access tokens `/api` accepts until their `exp`.

use std::time::Duration;

use base64::Engine as _;
use gorgias_sandbox::{AccountCredentials, OAuthOptions, SandboxHandle, SandboxOptions};
use serde_json::Value;

use crate::common::{Resp, send, start};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn form(sb: &SandboxHandle, path: &str, auth: Option<&str>, pairs: &[(&str, &str)]) -> Resp {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let mut req = no_redirects()
        .post(format!("{}{path}", sb.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let r = req.send().await.unwrap();
    Resp {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        text: r.text().await.unwrap_or_default(),
    }
}

async fn refresh(sb: &SandboxHandle, a: &AccountCredentials, token: &str) -> Resp {
    form(
        sb,
        "/oauth/token",
        Some(&a.client_basic_header()),
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
    )
    .await
}

fn claims(jwt: &str) -> Value {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1])
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn api(sb: &SandboxHandle, access: &str) -> Resp {
    send(
        sb,
        Some(&format!("Bearer {access}")),
        "GET",
        "/api/account",
        None,
    )
    .await
}

/// Authorize (302 back with the code and state), exchange the code once, use the tokens.
#[tokio::test]
async fn the_consent_flow_issues_jwts_and_a_refresh_token() {
    let sb = start(SandboxOptions::default().without_rate_limit()).await;
    let a = sb.accounts()[0].clone();
    let redirect = "https://app.example/oauth/callback?from=gorgias";
    let authorize = |client_id: &str, redirect: &str, response_type: &str| {
        let mut url = url::Url::parse(&format!("{}/oauth/authorize", sb.base_url())).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", response_type)
            .append_pair("client_id", client_id)
            .append_pair("scope", "openid offline tickets:read")
            .append_pair("redirect_uri", redirect)
            .append_pair("state", "st-1")
            .append_pair("nonce", "n-1");
        no_redirects().get(url).send()
    };
    let r = authorize(&a.client_id, redirect, "code").await.unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert!(
        location
            .as_str()
            .starts_with("https://app.example/oauth/callback?from=gorgias&code=")
    );
    let q: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    let code = q.iter().find(|(k, _)| k == "code").unwrap().1.clone();
    assert!(q.contains(&("state".into(), "st-1".into())));
    // Refused without a redirect: an unknown client, a redirect URI that is not a URL.
    for (client, uri) in [("nobody", redirect), (a.client_id.as_str(), "/relative")] {
        let r = authorize(client, uri, "code").await.unwrap();
        assert_eq!(r.status().as_u16(), 400);
        assert!(r.headers().get("location").is_none());
    }
    let r = authorize(&a.client_id, redirect, "token").await.unwrap();
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("error=unsupported_response_type")
    );

    let exchange = |code: String, auth: String, uri: &'static str| {
        let sb = sb.clone();
        async move {
            form(
                &sb,
                "/oauth/token",
                Some(&auth),
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", uri),
                ],
            )
            .await
        }
    };
    let bad_secret = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:wrong", a.client_id))
    );
    let r = exchange(
        code.clone(),
        bad_secret,
        "https://app.example/oauth/callback?from=gorgias",
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let r = exchange(
        code.clone(),
        a.client_basic_header(),
        "https://app.example/oauth/callback?from=gorgias",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let t = r.json();
    assert_eq!(t["expires_in"], 0, "as Gorgias's demo sent");
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["scope"], "openid offline tickets:read");
    let c = claims(t["access_token"].as_str().unwrap());
    assert_eq!(c["iss"], "https://acme.gorgias.com");
    assert_eq!(c["aud"], "https://acme.gorgias.com/api");
    assert_eq!(c["azp"], a.client_id.as_str());
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        86_400
    );
    assert!(c["jti"].is_string() && c["sub"].is_string());
    assert_eq!(claims(t["id_token"].as_str().unwrap())["nonce"], "n-1");
    assert_eq!(
        api(&sb, t["access_token"].as_str().unwrap()).await.status,
        200
    );
    let r = refresh(&sb, &a, t["refresh_token"].as_str().unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.json().get("refresh_token").is_none(),
        "no rotation by default"
    );
    // A code works once.
    let r = exchange(
        code,
        a.client_basic_header(),
        "https://app.example/oauth/callback?from=gorgias",
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let stats = sb.stats().account("acme");
    assert_eq!(
        stats.oauth_requests["POST /oauth/token authorization_code"],
        3
    );
    assert_eq!(stats.oauth_requests["POST /oauth/token refresh_token"], 1);
}

#[tokio::test]
async fn refreshes_revocation_and_expiry() {
    let sb = start(
        SandboxOptions::default()
            .rate_limit_window(Duration::from_secs(20))
            .oauth(OAuthOptions::default().access_token_lifetime(Duration::from_secs(2))),
    )
    .await;
    let a = sb.accounts()[0].clone();
    let r = refresh(&sb, &a, &a.refresh_token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let access = r.json()["access_token"].as_str().unwrap().to_string();
    let c = claims(&access);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 2);
    let r = api(&sb, &access).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("x-gorgias-account-api-call-limit").as_deref(),
        Some("1/80"),
        "the OAuth2 budget"
    );
    // Client credentials in the body instead of Basic, a bad grant type.
    let r = form(
        &sb,
        "/oauth/token",
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &a.refresh_token),
            ("client_id", &a.client_id),
            ("client_secret", &a.client_secret),
        ],
    )
    .await;
    assert_eq!(r.status, 401);
    let r = form(
        &sb,
        "/oauth/token",
        Some(&a.client_basic_header()),
        &[("grant_type", "password")],
    )
    .await;
    assert_eq!(r.json()["error"], "unsupported_grant_type");
    // Revoked: the refresh token is refused, the access token works until its exp.
    let r = form(
        &sb,
        "/oauth/revoke",
        Some(&a.client_basic_header()),
        &[("token", &a.refresh_token)],
    )
    .await;
    assert_eq!((r.status, r.text.as_str()), (200, "{}"));
    let r = refresh(&sb, &a, &a.refresh_token).await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(api(&sb, &access).await.status, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(api(&sb, &access).await.status, 401, "expired");
    assert_eq!(api(&sb, "a.b.c").await.status, 401);
}

#[tokio::test]
async fn rotation_replaces_the_refresh_token() {
    let sb = start(
        SandboxOptions::default().without_rate_limit().oauth(
            OAuthOptions::default()
                .rotate_refresh_tokens(true)
                .report_expires_in(true),
        ),
    )
    .await;
    let a = sb.accounts()[0].clone();
    let r = refresh(&sb, &a, &a.refresh_token).await;
    let t = r.json();
    assert_eq!(t["expires_in"], 86_400);
    let next = t["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(next, a.refresh_token);
    assert_eq!(
        refresh(&sb, &a, &a.refresh_token).await.status,
        400,
        "the old one is refused"
    );
    assert_eq!(refresh(&sb, &a, &next).await.status, 200);
    // The test hook: tokens issued so far are refused, later ones work.
    let access = t["access_token"].as_str().unwrap().to_string();
    sb.invalidate_access_tokens("acme").unwrap();
    assert_eq!(api(&sb, &access).await.status, 401);
}
