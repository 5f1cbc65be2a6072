//! The account (`GET /api/account`) and its settings (`/api/account/settings`).
//!
//! * Account keys as recorded (Nango test get-account): `created_datetime,
//!   current_subscription{plan, start_datetime, status, trial_end_datetime, trial_start_datetime},
//!   deactivated_datetime, domain, meta{analytics_group_id, company_domain}, settings[{id, data,
//!   type}], status{status}`; the seeded account is a trial (`plan: null`, `status: "trialing"`,
//!   subscription datetimes without a fraction) as recorded. No `uri`.
//! * `GET /api/account/settings` answers `{"data":[{id, type, data}]}` — no `meta`, `object` or
//!   `uri`, items without `uri` (recorded: Nango test create-ticket); optional `type` filter,
//!   anything else is a 400. The seeded setting types are the recorded ones
//!   (`satisfaction-surveys`, `business-hours`, `ticket-assignment`, `views-ordering`, `access`,
//!   `views-visibility`, `auto-merge`, `auto-split`, `default-integration`).
//! * `POST /api/account/settings` and `PUT /api/account/settings/{id}`
//!   (developers.gorgias.com/llms.txt: "Create a setting", "Update a setting") answer 200 with the
//!   setting (sandbox choice).

use crate::error::ApiError;
use crate::http::{ApiResult, Call, Ty, ok, opt, req, validate};
use crate::list;
use crate::object::{self, ObjectDef, insert_new, save_updated, stored};
use crate::seed::Seeder;
use crate::server::json_text;
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind, uuid};
use crate::time::{self, Micros, Style};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// Store shape of the settings.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[f("type", Str)],
    indexes: &[IndexSpec::on("id", &[])],
    groups: &[],
    list_omit: &[],
};

/// The declaration (the settings are the stored records; the account is a singleton).
pub static DEF: ObjectDef = ObjectDef {
    routes: &[
        object::get("/api/account", account),
        object::get("/api/account/settings", list_settings),
        object::post("/api/account/settings", create_setting),
        object::put("/api/account/settings/{id}", update_setting),
    ],
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(ObjectKind::AccountSettings, "", &STORE)
};

fn account(c: &Call) -> ApiResult {
    let data = c.ctx.account.read();
    let mut v = serde_json::Map::new();
    if let Value::Object(a) = &data.account {
        for (k, val) in a {
            if k == "status" {
                let settings: Vec<Value> = data
                    .col(ObjectKind::AccountSettings)
                    .iter()
                    .map(|r| {
                        let s = r.value();
                        json!({ "id": s["id"], "data": s["data"], "type": s["type"] })
                    })
                    .collect();
                v.insert("settings".into(), Value::Array(settings));
            }
            v.insert(k.clone(), val.clone());
        }
    }
    ok(&Value::Object(v))
}

fn list_settings(c: &Call) -> ApiResult {
    let mut kind = None;
    for (k, v) in &c.params {
        match k.as_str() {
            "type" => kind = Some(v.as_str()),
            other => return Err(ApiError::bad_param(other, "Unknown field.")),
        }
    }
    let data = c.ctx.account.read();
    let col = data.col(ObjectKind::AccountSettings);
    let body = list::data_only(
        col.iter()
            .filter(|rec| kind.is_none_or(|k| rec.fields[0].as_str() == Some(k)))
            .map(|rec| &*rec.json),
    );
    Ok(json_text(StatusCode::OK, body))
}

/// A setting record.
pub fn setting(id: i64, kind: &str, data: Value) -> Value {
    json!({ "id": id, "type": kind, "data": data })
}

fn create_setting(c: &Call) -> ApiResult {
    let f = validate(
        &c.body,
        &[req("type", Ty::Str), req("data", Ty::Object)],
        false,
        "Failed to create setting",
    )?;
    let mut data = c.ctx.account.write();
    let id = data.next_id(ObjectKind::AccountSettings);
    let v = setting(
        id,
        f["type"].as_str().unwrap_or_default(),
        f["data"].clone(),
    );
    insert_new(&mut data, ObjectKind::AccountSettings, &v)?;
    ok(&v)
}

fn update_setting(c: &Call) -> ApiResult {
    let id = c.first_id()?;
    let f = validate(
        &c.body,
        &[opt("type", Ty::Str), opt("data", Ty::Object)],
        false,
        "Failed to update setting",
    )?;
    let mut data = c.ctx.account.write();
    let mut v = stored(&data, ObjectKind::AccountSettings, id)?;
    crate::http::merge(&mut v, f);
    save_updated(&mut data, ObjectKind::AccountSettings, &v)?;
    ok(&v)
}

/// The account object (without `settings`, added when served).
pub fn record(sub: &str, created: Micros, analytics_group: &str) -> Value {
    let whole = |t: Micros| time::format(t, Style::Seconds);
    json!({
        "created_datetime": time::iso(created),
        "current_subscription": {
            "plan": null,
            "start_datetime": whole(created + 4 * time::SECOND),
            "status": "trialing",
            "trial_end_datetime": whole(created + 30 * time::DAY + 3 * time::SECOND),
            "trial_start_datetime": whole(created + 4 * time::SECOND),
        },
        "deactivated_datetime": null,
        "domain": sub,
        "meta": { "analytics_group_id": analytics_group, "company_domain": format!("{sub}.example.com") },
        "status": { "status": "active" },
    })
}

/// The settings of a new account (recorded: Nango test get-account), with the email integration as
/// the default one.
fn default_settings(timezone: &str, email_integration: Option<i64>) -> Vec<(&'static str, Value)> {
    vec![
        (
            "satisfaction-surveys",
            json!({
                "survey_interval": 2,
                "survey_email_html": "<div>Hi {{ticket.customer.firstname}},</div>\n<br>\n\n<div>How would you rate the help that our team provided?</div>\n<br>\n\n<div>{{satisfaction_survey_url}}</div>\n\n<br>\n\n<div>Thanks!</div>\n",
                "survey_email_text": "Hi {{ticket.customer.firstname}},\\n\nHow would you rate the help that our team provided?\\n\n{{satisfaction_survey_url}}\\n\nThanks!\n",
                "send_survey_for_chat": true,
                "send_survey_for_email": true,
                "send_survey_for_help_center": true,
                "send_survey_for_contact_form": true,
            }),
        ),
        (
            "business-hours",
            json!({ "timezone": timezone, "business_hours": [{ "days": "1,2,3,4,5", "to_time": "17:00", "from_time": "09:00" }] }),
        ),
        (
            "ticket-assignment",
            json!({
                "unassign_on_reply": true,
                "assignment_channels": ["chat", "facebook-messenger", "instagram-direct-message", "sms", "twitter-direct-message", "whatsapp", "custom-chat"],
                "auto_assign_to_teams": false,
                "max_user_chat_ticket": 3,
                "max_user_non_chat_ticket": 4,
                "can_exceed_max_agent_capacity": true,
                "unassign_on_user_unavailability": [],
                "auto_assign_ticket_to_responding_agent": false,
            }),
        ),
        (
            "views-ordering",
            json!({ "views": {}, "views_top": {}, "views_bottom": {}, "view_sections": {} }),
        ),
        (
            "access",
            json!({ "signup_mode": "invite", "allowed_domains": [], "google_sso_enabled": true, "custom_sso_providers": {}, "office365_sso_enabled": true }),
        ),
        ("views-visibility", json!({ "hidden_views": [] })),
        (
            "auto-merge",
            json!({ "tickets": { "enabled": false, "merging_window_days": 5 } }),
        ),
        (
            "auto-split",
            json!({ "email": { "enabled": true, "split_after_days": 10 } }),
        ),
        ("default-integration", json!({ "email": email_integration })),
    ]
}

/// Seeds the account object and its settings.
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(16);
    let group = uuid(&mut g.rng);
    s.data.account = record(&s.sub, s.start - 60 * time::DAY, &group);
    let email = super::integrations::first_of(&s.data, "email").map(|e| e.0);
    for (i, (kind, value)) in default_settings("UTC", email).into_iter().enumerate() {
        s.data.put(
            ObjectKind::AccountSettings,
            &setting(360_951 + i as i64, kind, value),
        );
    }
}

fn generate(data: &mut AccountData, _: Micros) -> Result<i64, crate::SandboxError> {
    let id = data.next_id(ObjectKind::AccountSettings);
    let v = setting(id, "custom", json!({ "generated": true }));
    Ok(insert_new(data, ObjectKind::AccountSettings, &v)?)
}
