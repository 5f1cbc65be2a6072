//! The documented filters select exactly the matching records.

use crate::common::{get, ids, shared, urlencode, walk};
use gorgias_sandbox::ObjectKind;
use gorgias_sandbox::time;
use serde_json::Value;
use std::collections::BTreeSet;

fn records(kind: ObjectKind) -> Vec<Value> {
    let sb = shared();
    sb.all_ids("acme", kind)
        .unwrap()
        .into_iter()
        .map(|id| sb.get_record("acme", kind, id).unwrap().unwrap())
        .collect()
}

fn set(v: &[Value]) -> BTreeSet<i64> {
    ids(v).into_iter().collect()
}

fn want(kind: ObjectKind, f: impl Fn(&Value) -> bool) -> BTreeSet<i64> {
    set(&records(kind)
        .into_iter()
        .filter(|r| f(r))
        .collect::<Vec<_>>())
}

async fn got(path: &str) -> BTreeSet<i64> {
    let sb = shared();
    set(&walk(sb, &sb.accounts()[0], path).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_filters() {
    let tickets = records(ObjectKind::Tickets);
    let customer = tickets[3]["customer"]["id"].as_i64().unwrap();
    assert_eq!(
        got(&format!("/api/tickets?customer_id={customer}&limit=100")).await,
        want(ObjectKind::Tickets, |t| t["customer"]["id"] == customer)
    );
    let (a, b) = (
        tickets[1]["id"].as_i64().unwrap(),
        tickets[7]["id"].as_i64().unwrap(),
    );
    assert_eq!(
        got(&format!("/api/tickets?ticket_ids={a}&ticket_ids={b}")).await,
        BTreeSet::from([a, b])
    );
    let not_trashed = want(ObjectKind::Tickets, |t| t["trashed_datetime"].is_null());
    assert_eq!(
        got("/api/tickets?trashed=false&limit=100").await,
        not_trashed
    );
    assert_eq!(
        got("/api/tickets?trashed=true&limit=100").await,
        want(ObjectKind::Tickets, |_| true)
    );
    if let Some(ext) = tickets.iter().find_map(|t| t["external_id"].as_str()) {
        assert_eq!(
            got(&format!("/api/tickets?external_id={ext}")).await,
            want(ObjectKind::Tickets, |t| t["external_id"] == ext)
        );
    }
    let sb = shared();
    let views = walk(sb, &sb.accounts()[0], "/api/views").await;
    let email_view = views.iter().find(|v| v["slug"] == "email").unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        got(&format!("/api/tickets?view_id={email_view}&limit=100")).await,
        want(ObjectKind::Tickets, |t| t["channel"] == "email")
    );
    // The recorded system view "Inbox" is the caller's open tickets (recorded: Nango test
    // list-views).
    let mine = views.iter().find(|v| v["slug"] == "inbox").unwrap()["id"]
        .as_i64()
        .unwrap();
    let me = get(sb, &sb.accounts()[0], "/api/users/0").await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        got(&format!("/api/views/{mine}/items?limit=100")).await,
        want(ObjectKind::Tickets, |t| t["assignee_user"]["id"] == me
            && t["status"] == "open")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_filters() {
    let events = records(ObjectKind::Events);
    let mut times: Vec<i64> = events
        .iter()
        .map(|e| time::parse(e["created_datetime"].as_str().unwrap()).unwrap())
        .collect();
    times.sort();
    let mid = times[times.len() / 2];
    let mid_s = time::format(mid, time::Style::Micros);
    let gte = want(ObjectKind::Events, |e| {
        time::parse(e["created_datetime"].as_str().unwrap()).unwrap() >= mid
    });
    assert_eq!(
        got(&format!(
            "/api/events?created_datetime[gte]={}&limit=100",
            urlencode(&mid_s)
        ))
        .await,
        gte
    );
    // Lenient datetime parsing: space separator, no offset; and `Z`.
    let naive = mid_s.replace('T', " ").replace("+00:00", "");
    assert_eq!(
        got(&format!(
            "/api/events?created_datetime[gte]={}&limit=100",
            urlencode(&naive)
        ))
        .await,
        gte
    );
    let lt = want(ObjectKind::Events, |e| {
        time::parse(e["created_datetime"].as_str().unwrap()).unwrap() < mid
    });
    assert_eq!(
        got(&format!(
            "/api/events?created_datetime[lt]={}&limit=100",
            urlencode(&mid_s)
        ))
        .await,
        lt
    );
    let gt_lte = want(ObjectKind::Events, |e| {
        let t = time::parse(e["created_datetime"].as_str().unwrap()).unwrap();
        t > times[10] && t <= mid
    });
    let q = format!(
        "/api/events?created_datetime[gt]={}&created_datetime[lte]={}&limit=100",
        urlencode(&time::format(times[10], time::Style::Micros)),
        urlencode(&mid_s)
    );
    assert_eq!(got(&q).await, gt_lte);
    assert_eq!(
        got("/api/events?object_type=Ticket&limit=100").await,
        want(ObjectKind::Events, |e| e["object_type"] == "Ticket")
    );
    assert_eq!(
        got("/api/events?types=ticket-created&types=customer-updated&limit=100").await,
        want(ObjectKind::Events, |e| e["type"] == "ticket-created"
            || e["type"] == "customer-updated")
    );
    let user = events.iter().find_map(|e| e["user_id"].as_i64()).unwrap();
    assert_eq!(
        got(&format!("/api/events?user_ids={user}&limit=100")).await,
        want(ObjectKind::Events, |e| e["user_id"] == user)
    );
    let obj = events[0]["object_id"].as_i64().unwrap();
    assert_eq!(
        got(&format!("/api/events?object_id={obj}")).await,
        want(ObjectKind::Events, |e| e["object_id"] == obj)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_filters() {
    let ticket = records(ObjectKind::Tickets)[4]["id"].as_i64().unwrap();
    assert_eq!(
        got(&format!("/api/messages?ticket_id={ticket}")).await,
        want(ObjectKind::Messages, |m| m["ticket_id"] == ticket)
    );
    assert_eq!(
        got("/api/jobs?status=done").await,
        want(ObjectKind::Jobs, |j| j["status"] == "done")
    );
    assert_eq!(
        got("/api/jobs?type=applyMacro").await,
        want(ObjectKind::Jobs, |j| j["type"] == "applyMacro")
    );
    let users = records(ObjectKind::Users);
    let email = users[2]["email"].as_str().unwrap().to_uppercase();
    assert_eq!(
        got(&format!("/api/users?email={}", urlencode(&email))).await,
        BTreeSet::from([users[2]["id"].as_i64().unwrap()])
    );
    assert_eq!(
        got("/api/users?roles=admin&roles=agent").await,
        want(ObjectKind::Users, |u| u["role"]["name"] == "admin"
            || u["role"]["name"] == "agent")
    );
    let first = users[1]["firstname"].as_str().unwrap().to_lowercase();
    assert_eq!(
        got(&format!("/api/users?search={}", urlencode(&first))).await,
        want(ObjectKind::Users, |u| {
            u["name"].as_str().unwrap().to_lowercase().contains(&first)
                || u["email"].as_str().unwrap().to_lowercase().contains(&first)
        })
    );
    assert_eq!(
        got("/api/tags?search=SHIP").await,
        want(ObjectKind::Tags, |t| t["name"]
            .as_str()
            .unwrap()
            .contains("ship"))
    );
    assert_eq!(
        got("/api/integrations?type=shopify").await,
        want(ObjectKind::Integrations, |i| i["type"] == "shopify")
    );
    let widget_int = records(ObjectKind::Widgets)
        .iter()
        .find_map(|w| w["integration_id"].as_i64())
        .unwrap();
    assert_eq!(
        got(&format!("/api/widgets?integration_id={widget_int}")).await,
        want(ObjectKind::Widgets, |w| w["integration_id"] == widget_int)
    );
    let customers = records(ObjectKind::Customers);
    let c = customers.iter().find(|c| c["email"].is_string()).unwrap();
    let email = c["email"].as_str().unwrap();
    assert_eq!(
        got(&format!("/api/customers?email={}", urlencode(email))).await,
        BTreeSet::from([c["id"].as_i64().unwrap()])
    );
    assert_eq!(
        got("/api/customers?language=fr&limit=100").await,
        want(ObjectKind::Customers, |c| c["language"] == "fr")
    );
    assert_eq!(
        got("/api/macros?search=order").await,
        want(ObjectKind::Macros, |m| m["name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("order")
            && m["archived_datetime"].is_null())
    );
    let survey_ticket = records(ObjectKind::SatisfactionSurveys)[0]["ticket_id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        got(&format!(
            "/api/satisfaction-surveys?ticket_id={survey_ticket}"
        ))
        .await,
        want(ObjectKind::SatisfactionSurveys, |s| s["ticket_id"]
            == survey_ticket)
    );
    assert_eq!(
        got("/api/custom-fields?object_type=Customer&archived=true").await,
        want(ObjectKind::CustomFields, |f| f["object_type"] == "Customer"
            && !f["deactivated_datetime"].is_null())
    );
}
