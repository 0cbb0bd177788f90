//! History through the front door: the filtered, cursor-paginated listing over more than 500
//! requests (each page checked against an expectation this test computes from what it
//! created), listing limits, a conversation's timeline, and tenant isolation of every
//! endpoint, old and new, between two sellers.

use std::collections::{BTreeSet, HashMap};
use std::thread;

use chatpay_tests::cards::{pay_body, VISA};
use chatpay_tests::checks::{assert_error, Param};
use chatpay_tests::orders::{events_like, query, rfc3339, text, unix, DAY};
use chatpay_tests::{shared, unique, Edge, PaymentRequest, Reply};
use serde_json::{json, Value};

const REQUESTS: usize = 520;
const THREADS: usize = 8;
const COLORS: [&str; 4] = ["amber", "cobalt", "crimson", "jade"];
const ITEMS: [&str; 3] = ["mug", "bowl", "vase"];
const CURRENCIES: [(&str, &str); 3] = [("USD", "25.00"), ("EUR", "25.00"), ("JPY", "2500")];

/// What the test knows about one request it created and moved.
#[derive(Clone, Debug)]
struct Made {
    request: PaymentRequest,
    created: i64,
    status: &'static str,
    fulfillment: &'static str,
    refund: &'static str,
    agent: Option<String>,
    conversation: String,
    description: String,
    paid_at: Option<i64>,
}

/// Runs `work(i)` for every i in `0..n` on `THREADS` threads; results in index order.
fn in_parallel<T: Send>(n: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let mut out: Vec<(usize, T)> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let work = &work;
                s.spawn(move || {
                    (t..n)
                        .step_by(THREADS)
                        .map(|i| (i, work(i)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread"))
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, t)| t).collect()
}

/// Request i's fixed attributes: currency, agent, conversation and description vary with i
/// on different periods, so every filter meets a mix.
fn body_for(tag: &str, i: usize) -> (Value, Option<String>, String, String) {
    let (currency, amount) = CURRENCIES[i % 3];
    let agent = match (i / 3) % 5 {
        4 => None,
        k => Some(format!("{tag}-agent{k}")),
    };
    let conversation = format!("{tag}-conv{}", (i / 2) % 6);
    let description = format!("{} {} {i}", COLORS[(i / 4) % 4], ITEMS[(i / 5) % 3]);
    let mut body = json!({"amount": amount, "currency": currency, "description": description,
                          "conversation_id": conversation});
    if let Some(a) = &agent {
        body["agent_id"] = json!(a);
    }
    (body, agent, conversation, description)
}

/// Moves request i along its planned path and records where it ended.
fn act(edge: &Edge, key: &str, i: usize, made: &mut Made) {
    let paid = i % 5 == 0;
    if paid {
        let reply = edge.pay(&made.request, &pay_body(VISA), None);
        made.paid_at = Some(unix(&reply.expect(200)["payment"]["paid_at"], &reply));
        made.status = "paid";
        if i % 10 == 0 {
            edge.ship(key, &made.request.id, "UPS", "1Z0000000000000004")
                .expect(200);
            made.fulfillment = "shipped";
        }
        let part = if made.request.json["currency"] == "JPY" {
            "100"
        } else {
            "1.00"
        };
        if i % 15 == 0 {
            edge.refund(key, &made.request.id, Some(part), "other")
                .expect(201);
            made.refund = "partial";
        } else if i % 25 == 0 {
            edge.refund(key, &made.request.id, None, "other")
                .expect(201);
            made.refund = "full";
        }
    } else if i % 7 == 1 {
        edge.cancel(key, &made.request.id).expect(200);
        made.status = "canceled";
    } else if i % 11 == 2 {
        edge.decline(&made.request).expect(200);
        made.status = "declined";
    }
}

/// The ids `keep` selects, newest created first, then id descending.
fn expected(all: &[Made], keep: impl Fn(&Made) -> bool) -> Vec<String> {
    let mut chosen: Vec<&Made> = all.iter().filter(|m| keep(m)).collect();
    chosen.sort_by(|a, b| {
        b.created
            .cmp(&a.created)
            .then_with(|| b.request.id.cmp(&a.request.id))
    });
    chosen.iter().map(|m| m.request.id.clone()).collect()
}

#[test]
fn filters_and_pagination_over_five_hundred_requests() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    let tag = unique("hist");

    // Three batches an hour apart on this seller's clock, so created[...] has edges to cut.
    let batches = [(0, 200), (200, 400), (400, REQUESTS)];
    let mut all: Vec<Made> = Vec::new();
    for (b, (from, to)) in batches.iter().enumerate() {
        if b > 0 {
            edge.advance(key, 3600);
        }
        let created = in_parallel(to - from, |k| {
            let i = from + k;
            let (body, agent, conversation, description) = body_for(&tag, i);
            let request = edge.create_request_with(key, body);
            let created = unix(&request.json["created_at"], &request.json);
            Made {
                request,
                created,
                status: "requested",
                fulfillment: "unfulfilled",
                refund: "none",
                agent,
                conversation,
                description,
                paid_at: None,
            }
        });
        all.extend(created);
    }
    let p2 = all[200..400].iter().map(|m| m.created).min().unwrap();
    let p3 = all[400..].iter().map(|m| m.created).min().unwrap();

    // Two rounds of payments (and cancels, declines, ships, refunds), an hour apart.
    let half = REQUESTS / 2;
    edge.advance(key, 3600);
    let first: Vec<Made> = in_parallel(half, |i| {
        let mut m = all[i].clone();
        act(&edge, key, i, &mut m);
        m
    });
    edge.advance(key, 3600);
    let second: Vec<Made> = in_parallel(REQUESTS - half, |k| {
        let mut m = all[half + k].clone();
        act(&edge, key, half + k, &mut m);
        m
    });
    let all: Vec<Made> = first.into_iter().chain(second).collect();
    let paid_b = all[half..].iter().filter_map(|m| m.paid_at).min().unwrap();
    let agent = |k: usize| format!("{tag}-agent{k}");
    let conv = |k: usize| format!("{tag}-conv{k}");
    let has_agent = |m: &Made, k: usize| m.agent.as_deref() == Some(agent(k).as_str());
    let words = |m: &Made, w: &str| m.description.split(' ').any(|x| x == w);

    type Case<'a> = (
        Vec<(&'a str, String)>,
        Option<usize>,
        Box<dyn Fn(&Made) -> bool + 'a>,
    );
    let s = |v: &str| v.to_owned();
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        (vec![], Some(100), Box::new(|_| true)),
        (vec![("status", s("paid"))], None, Box::new(|m| m.status == "paid")),
        (vec![("status", s("paid")), ("status", s("canceled"))], Some(37), Box::new(|m| matches!(m.status, "paid" | "canceled"))),
        (vec![("status", s("declined"))], Some(7), Box::new(|m| m.status == "declined")),
        (vec![("status", s("requested"))], Some(100), Box::new(|m| m.status == "requested")),
        (vec![("status", s("expired"))], Some(10), Box::new(|m| m.status == "expired")),
        (vec![("fulfillment_status", s("shipped"))], Some(10), Box::new(|m| m.fulfillment == "shipped")),
        (vec![("fulfillment_status", s("unfulfilled")), ("status", s("paid"))], Some(9), Box::new(|m| m.fulfillment == "unfulfilled" && m.status == "paid")),
        (vec![("refund_status", s("partial"))], Some(5), Box::new(|m| m.refund == "partial")),
        (vec![("refund_status", s("full"))], Some(5), Box::new(|m| m.refund == "full")),
        (vec![("refund_status", s("none")), ("status", s("paid"))], Some(50), Box::new(|m| m.refund == "none" && m.status == "paid")),
        (vec![("agent_id", agent(1))], Some(25), Box::new(move |m| has_agent(m, 1))),
        (vec![("agent_id", agent(2)), ("status", s("paid"))], Some(3), Box::new(move |m| has_agent(m, 2) && m.status == "paid")),
        (vec![("conversation_id", conv(3))], Some(10), Box::new(move |m| m.conversation == conv(3))),
        (vec![("conversation_id", conv(4)), ("agent_id", agent(0))], Some(4), Box::new(move |m| m.conversation == conv(4) && has_agent(m, 0))),
        (vec![("created[gte]", rfc3339(p2)), ("created[lt]", rfc3339(p3))], Some(100), Box::new(move |m| (p2..p3).contains(&m.created))),
        (vec![("created[gte]", rfc3339(p3))], Some(33), Box::new(move |m| m.created >= p3)),
        (vec![("created[lt]", rfc3339(p2))], Some(100), Box::new(move |m| m.created < p2)),
        (vec![("paid[gte]", rfc3339(paid_b))], Some(10), Box::new(move |m| m.paid_at.is_some_and(|t| t >= paid_b))),
        (vec![("paid[lt]", rfc3339(paid_b))], Some(10), Box::new(move |m| m.paid_at.is_some_and(|t| t < paid_b))),
        (vec![("paid[gte]", rfc3339(paid_b)), ("agent_id", agent(3)), ("created[lt]", rfc3339(p3))], Some(2), Box::new(move |m| m.paid_at.is_some_and(|t| t >= paid_b) && has_agent(m, 3) && m.created < p3)),
        (vec![("q", s("cobalt"))], Some(50), Box::new(move |m| words(m, "cobalt"))),
        (vec![("q", s("cobalt")), ("status", s("requested"))], Some(50), Box::new(move |m| words(m, "cobalt") && m.status == "requested")),
        (vec![("q", s("vase")), ("conversation_id", conv(1))], Some(5), Box::new(move |m| words(m, "vase") && m.conversation == conv(1))),
    ];

    let mut failures = Vec::new();
    for (filters, limit, keep) in &cases {
        let want = expected(&all, keep);
        if let Err(why) = edge.check_pages(key, filters, *limit, &want) {
            failures.push(format!(
                "filters {filters:?}, limit {limit:?} ({} expected): {why}",
                want.len()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} listings were wrong:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn listing_limits_and_unknown_parameters_are_400() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    for limit in ["0", "101", "-1", "ten", "1.5"] {
        let reply = edge.list_requests(key, &format!("limit={limit}"));
        assert_error(&reply, 400, "parameter_invalid", Param::Is("limit"));
    }
    for limit in ["1", "100"] {
        let reply = edge.list_requests(key, &format!("limit={limit}"));
        reply.expect(200);
    }
    let unknown = edge.list_requests(key, "colour=red");
    assert_error(&unknown, 400, "parameter_unknown", Param::Is("colour"));
    let created = edge.list_requests(key, &query(&[("created[gte]", "yesterday".into())]));
    assert_eq!(created.status, 400, "{created}");
    let empty = edge.list_requests(key, "");
    let body = empty.expect(200);
    assert_eq!(body["object"], "list", "{empty}");
    assert_eq!(body["data"], json!([]), "{empty}");
    assert_eq!(body["has_more"], false, "{empty}");

    // Listed requests are the full object without `events` (those are on GET by id only).
    let request = edge.create_request(key, "5.00", "USD");
    let listed = edge.list_requests(key, "");
    let item = &listed.expect(200)["data"][0];
    assert_eq!(item["id"], request.id.as_str(), "{listed}");
    assert!(
        item.get("events").is_none(),
        "a listed request holds events\n{listed}"
    );
    assert_eq!(item["status"], "requested", "{listed}");
    assert_eq!(item["fulfillment_status"], "unfulfilled", "{listed}");
}

#[test]
fn conversation_timeline_gives_every_event_in_order() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    let conversation = unique("thread-");
    let elsewhere = unique("thread-");
    let new = |c: &str| {
        edge.create_request_with(
            key,
            json!({"amount": "10.00", "currency": "USD", "description": "Timeline",
                   "conversation_id": c}),
        )
    };
    let (a, b, c) = (new(&conversation), new(&conversation), new(&conversation));
    let other = new(&elsewhere);

    // Each step a minute apart on this seller's clock: the order is the order of time.
    let step = |what: &str, reply: Reply, status: u16| {
        assert_eq!(reply.status, status, "{what}\n{reply}");
        edge.advance(key, 60);
    };
    edge.advance(key, 60);
    step("pay a", edge.pay(&a, &pay_body(VISA), None), 200);
    step("cancel b", edge.cancel(key, &b.id), 200);
    step(
        "ship a",
        edge.ship(key, &a.id, "UPS", "1Z0000000000000005"),
        200,
    );
    step("decline c", edge.decline(&c), 200);
    step("pay other", edge.pay(&other, &pay_body(VISA), None), 200);
    step("deliver a", edge.deliver(key, &a.id), 200);
    step(
        "refund a",
        edge.refund(key, &a.id, Some("1.00"), "other"),
        201,
    );

    let reply = edge.timeline(key, &conversation);
    let body = reply.expect(200);
    assert_eq!(body["object"], "list", "{reply}");
    assert_eq!(body["has_more"], false, "{reply}");
    let data = body["data"].as_array().cloned().unwrap_or_default();

    // Exactly the events of a, b and c, as each request reports them.
    let mut per_request: HashMap<String, Vec<String>> = HashMap::new();
    for r in [&a, &b, &c] {
        let full = edge.read(key, &r.id);
        let ids = full["events"]
            .as_array()
            .map(|e| {
                e.iter()
                    .filter_map(|e| e["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        per_request.insert(r.id.clone(), ids);
    }
    let want: BTreeSet<&String> = per_request.values().flatten().collect();
    let got: BTreeSet<&str> = data.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(
        got,
        want.iter().map(|s| s.as_str()).collect(),
        "timeline event ids vs the requests' events\n{reply}"
    );
    assert_eq!(got.len(), data.len(), "duplicate events\n{reply}");
    // Each is the one Event object: with its request's conversation, and `agent_id` null
    // when the request has no agent (present, not left out).
    for e in &data {
        assert_eq!(e["object"], "event", "{reply}");
        assert_eq!(e["conversation_id"], conversation.as_str(), "{reply}");
        assert!(
            e.get("agent_id").is_some_and(Value::is_null),
            "agent_id null\n{reply}"
        );
    }
    assert!(
        !reply.text.contains(&other.id),
        "another conversation's request\n{reply}"
    );

    // In order: times never go back, each request's own order is kept, and the steps above
    // appear in the order they were taken.
    let times: Vec<i64> = data
        .iter()
        .map(|e| unix(&e["created_at"], &reply))
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "times go back\n{reply}"
    );
    for (id, own) in &per_request {
        let seen: Vec<&str> = data
            .iter()
            .filter(|e| e["request_id"] == id.as_str())
            .filter_map(|e| e["id"].as_str())
            .collect();
        assert_eq!(
            seen, *own,
            "request {id}'s events, in its own order\n{reply}"
        );
    }
    let position = |request: &PaymentRequest, fragment: &str| {
        let full = edge.read(key, &request.id);
        let event = events_like(&full, fragment)
            .first()
            .map(|e| e["id"].clone())
            .unwrap_or_else(|| panic!("no {fragment:?} event on {}\n{full}", request.id));
        data.iter()
            .position(|e| e["id"] == event)
            .unwrap_or_else(|| panic!("{event} is not in the timeline\n{reply}"))
    };
    let order = [
        position(&a, "paid"),
        position(&b, "canceled"),
        position(&a, "shipped"),
        position(&c, "declined"),
        position(&a, "delivered"),
        position(&a, "refund"),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "pay, cancel, ship, decline, deliver, refund at positions {order:?}\n{reply}"
    );
}

/// 404 or 403 (401 for a client secret, which v1 already answers for another request's
/// secret), and none of the other seller's data in the body.
fn check_refused(
    what: &str,
    reply: &Reply,
    allowed: &[u16],
    secrets: &[&str],
) -> Result<(), String> {
    if !allowed.contains(&reply.status) {
        return Err(format!(
            "{what}: status {} (expected one of {allowed:?})\n{reply}",
            reply.status
        ));
    }
    for secret in secrets {
        if reply.text.contains(secret) {
            return Err(format!("{what}: the body holds {secret:?}\n{reply}"));
        }
    }
    Ok(())
}

#[test]
fn two_sellers_never_reach_each_others_orders() {
    let edge = shared();
    let alice = edge.create_seller();
    let bob = edge.create_seller();
    let (ak, bk) = (alice.secret_key.as_str(), bob.secret_key.as_str());
    let tag = unique("iso");
    let (conversation, agent, words) = (
        format!("{tag}-conv"),
        format!("{tag}-agent"),
        format!("{tag} secret teapot"),
    );
    let order = || {
        json!({"amount": "10.00", "currency": "USD", "description": words,
               "conversation_id": conversation, "agent_id": agent})
    };

    // Alice: one order paid, shipped and under claim, one still requested.
    let shipped = edge.create_paid(ak, order());
    edge.ship(ak, &shipped.id, "UPS", "1Z0000000000000006")
        .expect(200);
    let claim = edge.open_claim(&shipped, "damaged");
    let claim_id = text(&claim.expect(201)["id"], "claim id", &claim).to_owned();
    let open = edge.create_request_with(ak, order());
    let payment_id = text(&shipped.json["payment"]["id"], "payment id", &shipped.json).to_owned();
    let before = [edge.read(ak, &shipped.id), edge.read(ak, &open.id)];

    // Bob: one request, so he has a client secret of his own.
    let bobs = edge.create_request_with(
        bk,
        json!({"amount": "5.00", "currency": "USD", "description": "Bob's"}),
    );
    let cs = bobs.client_secret.as_str();

    let secrets = [words.as_str(), agent.as_str(), payment_id.as_str()];
    let pr = |id: &str, rest: &str| format!("/v1/payment_requests/{id}{rest}");
    let by_key = [403, 404];
    let by_secret = [401, 403, 404];
    #[rustfmt::skip]
    let calls: Vec<(&str, Reply, &[u16])> = vec![
        ("get", edge.call("GET", &pr(&shipped.id, "")).bearer(bk).send(), &by_key),
        ("cancel", edge.call("POST", &pr(&open.id, "/cancel")).bearer(bk).send(), &by_key),
        ("ship", edge.ship(bk, &open.id, "UPS", "1Z0000000000000007"), &by_key),
        ("deliver", edge.deliver(bk, &shipped.id), &by_key),
        ("refund", edge.refund(bk, &shipped.id, None, "other"), &by_key),
        ("respond", edge.respond_claim(bk, &claim_id), &by_key),
        ("resolve", edge.resolve_claim(bk, &claim_id, "refund"), &by_key),
        ("public", edge.call("GET", &pr(&shipped.id, "/public")).bearer(cs).send(), &by_secret),
        ("pay", edge.call("POST", &pr(&open.id, "/pay")).bearer(cs).json(&pay_body(VISA)).send(), &by_secret),
        ("decline", edge.call("POST", &pr(&open.id, "/decline")).bearer(cs).send(), &by_secret),
        ("claim", edge.call("POST", &pr(&shipped.id, "/claims")).bearer(cs).json(&json!({"reason": "damaged"})).send(), &by_secret),
        ("Alice's key on Bob's request", edge.call("GET", &pr(&bobs.id, "")).bearer(ak).send(), &by_key),
    ];
    let mut failures: Vec<String> = calls
        .iter()
        .filter_map(|(what, reply, allowed)| check_refused(what, reply, allowed, &secrets).err())
        .collect();

    // Lists: Bob's own, never Alice's.
    for filters in [
        vec![],
        vec![("conversation_id", conversation.clone())],
        vec![("agent_id", agent.clone())],
        vec![("q", tag.clone())],
    ] {
        let reply = edge.list_requests(bk, &query(&filters));
        let leaked = [&shipped.id, &open.id]
            .iter()
            .any(|id| reply.text.contains(id.as_str()))
            || secrets.iter().any(|s| reply.text.contains(s));
        if reply.status != 200 || leaked {
            failures.push(format!(
                "Bob's list with {filters:?} shows Alice's data or failed\n{reply}"
            ));
        }
    }
    // A cursor naming Alice's request gives Bob nothing of hers.
    let cursor = edge.list_requests(bk, &query(&[("starting_after", shipped.id.clone())]));
    if !matches!(cursor.status, 200 | 400 | 404)
        || [&shipped.id, &open.id].iter().any(|id| {
            cursor.json["data"]
                .as_array()
                .is_some_and(|d| d.iter().any(|r| r["id"] == id.as_str()))
        })
        || secrets.iter().any(|s| cursor.text.contains(s))
    {
        failures.push(format!("Bob's list after Alice's id\n{cursor}"));
    }
    let timeline = edge.timeline(bk, &conversation);
    let empty_or_missing =
        timeline.status == 404 || (timeline.status == 200 && timeline.json["data"] == json!([]));
    if !empty_or_missing || secrets.iter().any(|s| timeline.text.contains(s)) {
        failures.push(format!(
            "Bob's view of Alice's conversation timeline\n{timeline}"
        ));
    }
    let now = edge.seller_now(bk);
    let report = edge.revenue(bk, now - 30 * DAY, now + DAY, "agent", false);
    if report.status != 200 || report.json["rows"] != json!([]) || report.text.contains(&agent) {
        failures.push(format!(
            "Bob's revenue report shows Alice's sales\n{report}"
        ));
    }

    // Bob's clock is Bob's: eight days on, his request expired and Alice's did not.
    edge.advance(bk, 8 * DAY);
    let bob_after = edge.read(bk, &bobs.id);
    if bob_after["status"] != "expired" {
        failures.push(format!(
            "Bob's own request after 8 days on his clock: {bob_after}"
        ));
    }
    let after = [edge.read(ak, &shipped.id), edge.read(ak, &open.id)];
    for (b, a) in before.iter().zip(&after) {
        if b != a {
            failures.push(format!(
                "Alice's request changed\n  before: {b}\n  after:  {a}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} isolation failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn q_matches_literal_text_and_times_take_any_rfc3339_offset() {
    let edge = shared();
    let seller = edge.create_seller();
    let key = seller.secret_key.as_str();
    let made: Vec<PaymentRequest> = ["100% wool scarf", "cotton_blend tee", "silk tie"]
        .iter()
        .map(|d| {
            edge.create_request_with(
                key,
                json!({"amount": "9.00", "currency": "USD", "description": d}),
            )
        })
        .collect();
    let newest_first = |picked: &[usize]| -> Vec<String> {
        let mut ids: Vec<(i64, String)> = picked
            .iter()
            .map(|&i| {
                (
                    unix(&made[i].json["created_at"], &made[i].json),
                    made[i].id.clone(),
                )
            })
            .collect();
        ids.sort_by(|a, b| b.cmp(a));
        ids.into_iter().map(|(_, id)| id).collect()
    };
    // `%` and `_` are text to find, not wildcards.
    for (q, picked) in [
        ("%", vec![0]),
        ("_", vec![1]),
        ("wool", vec![0]),
        ("t", vec![1, 2]),
    ] {
        let want = newest_first(&picked);
        if let Err(why) = edge.check_pages(key, &[("q", q.to_owned())], Some(10), &want) {
            panic!("q={q:?}: {why}");
        }
    }

    // The same instant written with an offset selects the same requests.
    let first = unix(&made[0].json["created_at"], &made[0].json);
    let with_offset = {
        let shifted = rfc3339(first + 3600);
        format!("{}+01:00", &shifted[..19])
    };
    let want = newest_first(&[0, 1, 2]);
    for at in [rfc3339(first), with_offset] {
        if let Err(why) = edge.check_pages(key, &[("created[gte]", at.clone())], Some(10), &want) {
            panic!("created[gte]={at}: {why}");
        }
    }
}
