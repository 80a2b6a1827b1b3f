//! `template.yaml` and the local stack's description (`local::resources`, `local::routes`)
//! must describe the same system: this is what keeps `make dev` honest about production.
use std::collections::{BTreeSet, HashMap};

use local::resources::{EVENT_BUS_LOGICAL_ID, QUEUES, RULES, SCHEDULES, TABLE};
use serde_yaml::Value;
use shared::http::routes::ROUTES;

fn template() -> Value {
    let path = format!("{}/../template.yaml", env!("CARGO_MANIFEST_DIR"));
    serde_yaml::from_str(&std::fs::read_to_string(&path).expect("template.yaml")).expect("template.yaml is YAML")
}

/// The text of `!GetAtt X.Arn` / `!Ref X`, or a plain string.
fn reference(value: &Value) -> String {
    match value {
        Value::Tagged(tagged) => reference(&tagged.value),
        Value::String(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(value, |v, key| v.get(*key)).and_then(Value::as_str)
}

/// Function resources by the crate (binary) they build.
fn functions(template: &Value) -> HashMap<String, Value> {
    template["Resources"]
        .as_mapping()
        .expect("Resources")
        .values()
        .filter(|r| r["Type"] == "AWS::Serverless::Function")
        .map(|r| (str_at(r, &["Metadata", "BuildProperties", "Binary"]).expect("Binary").to_string(), r.clone()))
        .collect()
}

fn events<'a>(function: &'a Value, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    function["Properties"]["Events"]
        .as_mapping()
        .into_iter()
        .flat_map(|m| m.values())
        .filter(move |e| e["Type"] == kind)
        .map(|e| &e["Properties"])
}

#[test]
fn every_route_is_served_by_the_same_function_in_both() {
    let template = template();
    let functions = functions(&template);
    let declared: BTreeSet<(String, String, String)> = functions
        .iter()
        .flat_map(|(name, f)| {
            events(f, "HttpApi").map(move |e| {
                (
                    str_at(e, &["Method"]).expect("Method").to_uppercase(),
                    str_at(e, &["Path"]).expect("Path").to_string(),
                    name.clone(),
                )
            })
        })
        .collect();
    let local: BTreeSet<(String, String, String)> =
        ROUTES.iter().map(|r| (r.method.to_string(), r.path.to_string(), r.function.to_string())).collect();
    assert_eq!(declared, local);
}

#[test]
fn queues_consumers_and_schedules_agree() {
    let template = template();
    let resources = &template["Resources"];
    let functions = functions(&template);
    let timeout = |f: &Value| {
        f["Properties"]["Timeout"].as_u64().or(template["Globals"]["Function"]["Timeout"].as_u64()).expect("a timeout")
    };
    for spec in QUEUES {
        let queue = &resources[spec.logical_id];
        assert_eq!(queue["Type"], "AWS::SQS::Queue", "{}", spec.logical_id);
        let props = &queue["Properties"];
        assert_eq!(props["VisibilityTimeout"].as_i64(), Some(i64::from(spec.visibility_timeout_seconds)));
        assert_eq!(props["RedrivePolicy"]["maxReceiveCount"].as_i64(), Some(i64::from(spec.max_receive_count)));
        assert_eq!(
            reference(&props["RedrivePolicy"]["deadLetterTargetArn"]),
            format!("{}.Arn", spec.dead_letter_logical_id)
        );
        assert_eq!(resources[spec.dead_letter_logical_id]["Type"], "AWS::SQS::Queue");
        let consumer = functions.get(spec.consumer).unwrap_or_else(|| panic!("no function {}", spec.consumer));
        let sqs: Vec<&Value> = events(consumer, "SQS").collect();
        assert_eq!(sqs.len(), 1, "{} consumes one queue", spec.consumer);
        assert_eq!(reference(&sqs[0]["Queue"]), format!("{}.Arn", spec.logical_id));
        assert_eq!(sqs[0]["BatchSize"].as_i64(), Some(i64::from(spec.batch_size)));
        assert!(sqs[0]["FunctionResponseTypes"]
            .as_sequence()
            .is_some_and(|t| t.iter().any(|v| v == "ReportBatchItemFailures")));
        assert!(
            u64::try_from(spec.visibility_timeout_seconds).unwrap_or(0) >= 6 * timeout(consumer),
            "{}: visibility must be at least 6x the consumer timeout",
            spec.logical_id
        );
    }
    let consumers: BTreeSet<&str> = QUEUES.iter().map(|q| q.consumer).collect();
    let declared_consumers: BTreeSet<&str> =
        functions.iter().filter(|(_, f)| events(f, "SQS").next().is_some()).map(|(n, _)| n.as_str()).collect();
    assert_eq!(declared_consumers, consumers);

    let schedules: BTreeSet<(String, String)> = functions
        .iter()
        .flat_map(|(name, f)| {
            events(f, "ScheduleV2").chain(events(f, "Schedule")).map(move |e| {
                let expression = str_at(e, &["ScheduleExpression"]).or(str_at(e, &["Schedule"])).expect("expression");
                (name.clone(), expression.to_string())
            })
        })
        .collect();
    let local: BTreeSet<(String, String)> =
        SCHEDULES.iter().map(|s| (s.function.to_string(), s.expression())).collect();
    assert_eq!(schedules, local);
    assert_eq!(resources[EVENT_BUS_LOGICAL_ID]["Type"], "AWS::Events::EventBus");
}

/// A rule as both sides describe it: (logical id, bus, sources, detail types, target queues).
type Rule = (String, String, BTreeSet<String>, BTreeSet<String>, BTreeSet<String>);

/// Every EventBridge rule of the template is one of `RULES` and the local stack creates
/// nothing the template lacks. Capsule has none today: both sides are compared whole, so a
/// rule added to one side only fails here.
#[test]
fn event_rules_agree() {
    let template = template();
    let resources = template["Resources"].as_mapping().expect("Resources");
    let buses: Vec<String> =
        resources.iter().filter(|(_, r)| r["Type"] == "AWS::Events::EventBus").map(|(id, _)| reference(id)).collect();
    assert_eq!(buses, [EVENT_BUS_LOGICAL_ID], "the rules' bus is read the same way");
    let declared: BTreeSet<Rule> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Events::Rule")
        .map(|(id, r)| {
            let props = &r["Properties"];
            let pattern = |key: &str| -> BTreeSet<String> {
                props["EventPattern"][key].as_sequence().map(|s| s.iter().map(reference).collect()).unwrap_or_default()
            };
            let targets = props["Targets"]
                .as_sequence()
                .map(|s| s.iter().map(|t| reference(&t["Arn"]).trim_end_matches(".Arn").to_string()).collect())
                .unwrap_or_default();
            (reference(id), reference(&props["EventBusName"]), pattern("source"), pattern("detail-type"), targets)
        })
        .collect();
    let local: BTreeSet<Rule> = RULES
        .iter()
        .map(|rule| {
            (
                rule.logical_id.to_string(),
                EVENT_BUS_LOGICAL_ID.to_string(),
                BTreeSet::from([shared::notify::EVENT_SOURCE.to_string()]),
                rule.detail_types.iter().map(|t| t.to_string()).collect(),
                BTreeSet::from([rule.target_queue.to_string()]),
            )
        })
        .collect();
    assert_eq!(declared, local);
}

#[test]
fn the_table_and_the_configuration_agree() {
    let template = template();
    let table = &template["Resources"][TABLE.logical_id]["Properties"];
    let keys = |schema: &Value| -> Vec<(String, String)> {
        schema
            .as_sequence()
            .expect("KeySchema")
            .iter()
            .map(|k| (reference(&k["AttributeName"]), reference(&k["KeyType"])))
            .collect()
    };
    assert_eq!(
        keys(&table["KeySchema"]),
        vec![(TABLE.hash_key.into(), "HASH".into()), (TABLE.range_key.into(), "RANGE".into())]
    );
    let indexes: Vec<(String, Vec<(String, String)>)> = table["GlobalSecondaryIndexes"]
        .as_sequence()
        .expect("indexes")
        .iter()
        .map(|i| (reference(&i["IndexName"]), keys(&i["KeySchema"])))
        .collect();
    let local: Vec<(String, Vec<(String, String)>)> = TABLE
        .indexes
        .iter()
        .map(|(name, hash, range)| {
            (name.to_string(), vec![(hash.to_string(), "HASH".into()), (range.to_string(), "RANGE".into())])
        })
        .collect();
    assert_eq!(indexes, local);
    assert_eq!(table["TimeToLiveSpecification"]["AttributeName"], TABLE.ttl_attribute);
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], true);

    use shared::config::vars;
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    for var in [
        vars::TABLE_NAME,
        vars::NOTIFICATIONS_QUEUE_URL,
        vars::PAYMENT_EVENTS_QUEUE_URL,
        vars::EVENT_BUS_NAME,
        vars::SENDER_EMAIL,
    ] {
        assert!(globals.get(var).is_some(), "{var} is not given to the functions");
    }
    let functions = functions(&template);
    let webhook_caller = &functions["payment-events"]["Properties"]["Environment"]["Variables"];
    assert!(webhook_caller.get(vars::PUBLIC_BASE_URL).is_some(), "payment-events needs the API's URL");
    assert_eq!(template["Globals"]["Function"]["Runtime"], "provided.al2023");
    assert!(functions.values().all(|f| str_at(f, &["Metadata", "BuildMethod"]) == Some("rust-cargolambda")));
    for name in functions.keys() {
        let crate_dir = format!("{}/../functions/{name}/Cargo.toml", env!("CARGO_MANIFEST_DIR"));
        assert!(std::path::Path::new(&crate_dir).exists(), "function {name} has no crate");
        let sample = format!("{}/../events/{name}.json", env!("CARGO_MANIFEST_DIR"));
        assert!(std::path::Path::new(&sample).exists(), "function {name} has no sample event");
    }
}

/// `openapi.yaml` describes exactly the routes the gateway serves, plus the local `/dev` ones.
#[test]
fn the_openapi_document_describes_every_route() {
    let path = format!("{}/../openapi.yaml", env!("CARGO_MANIFEST_DIR"));
    let document: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).expect("openapi.yaml")).expect("YAML");
    let methods = ["get", "put", "post", "delete", "patch"];
    let described: BTreeSet<(String, String)> = document["paths"]
        .as_mapping()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            let path = path.as_str().unwrap_or_default().to_string();
            methods.iter().filter(move |m| item.get(**m).is_some()).map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let mut served: BTreeSet<(String, String)> =
        ROUTES.iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
    for (method, path) in
        [("GET", "/dev/outbox"), ("GET", "/dev/clock"), ("POST", "/dev/clock"), ("POST", "/dev/run/{job}")]
    {
        served.insert((method.to_string(), path.to_string()));
    }
    assert_eq!(described, served);
}

/// Every route is throttled at the edge, the password routes far more than the rest, and
/// the function that hashes passwords has a capped concurrency, so a flood of logins
/// cannot starve checkout and the payment path.
#[test]
fn the_edge_throttles_and_logins_cannot_take_the_whole_concurrency() {
    let template = template();
    let api = &template["Resources"]["HttpApi"]["Properties"];
    let rate = |settings: &Value| settings["ThrottlingRateLimit"].as_f64().unwrap_or(f64::MAX);
    let default = rate(&api["DefaultRouteSettings"]);
    assert!(default < f64::MAX, "a default rate limit on every route");
    for route in ["POST /auth/login", "POST /auth/signup"] {
        let limit = rate(&api["RouteSettings"][route]);
        assert!(limit <= default / 10.0, "{route} is throttled harder than the rest: {limit}");
        assert!(ROUTES.iter().any(|r| format!("{} {}", r.method, r.path) == route), "{route} is a route");
    }
    let functions = functions(&template);
    let reserved = |name: &str| functions[name]["Properties"]["ReservedConcurrentExecutions"].as_u64();
    assert!(reserved("auth").is_some_and(|n| n <= 20), "the password hashing function is capped");
    assert_eq!(reserved("checkout"), None, "checkout keeps the account's concurrency");
}

/// Every dead-letter queue alarms on its first message, to a topic someone can subscribe to.
#[test]
fn every_dead_letter_queue_has_an_alarm() {
    let template = template();
    let resources = template["Resources"].as_mapping().expect("Resources");
    let alarmed: BTreeSet<String> = resources
        .values()
        .filter(|r| r["Type"] == "AWS::CloudWatch::Alarm")
        .filter(|r| r["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible")
        .filter(|r| r["Properties"]["Threshold"].as_f64() == Some(0.0))
        .filter(|r| r["Properties"]["AlarmActions"].as_sequence().is_some_and(|a| !a.is_empty()))
        .filter_map(|r| {
            r["Properties"]["Dimensions"][0]["Value"]
                .as_str()
                .map(str::to_string)
                .or_else(|| Some(reference(&r["Properties"]["Dimensions"][0]["Value"])))
        })
        .map(|queue| queue.trim_end_matches(".QueueName").to_string())
        .collect();
    let dead_letters: BTreeSet<String> = QUEUES.iter().map(|q| q.dead_letter_logical_id.to_string()).collect();
    assert_eq!(alarmed, dead_letters);
}

/// The HTTP API's CORS configuration is the policy the local gateway plays
/// (`shared::http::cors`), from the `AllowedOrigins` parameter, never a wildcard with
/// credentials; the functions that take return URLs check them against the same list.
#[test]
fn the_api_and_the_local_gateway_share_one_cors_policy() {
    use shared::http::cors;
    let template = template();
    let Value::Tagged(chosen) = &template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"] else {
        panic!("CorsConfiguration is an !If on HasAllowedOrigins");
    };
    assert_eq!(chosen.tag, "!If");
    assert_eq!(chosen.value[0], "HasAllowedOrigins");
    let policy = &chosen.value[1];
    assert_eq!(reference(&policy["AllowOrigins"]), "AllowedOrigins");
    assert_eq!(template["Parameters"]["AllowedOrigins"]["Type"], "CommaDelimitedList");
    let strings = |v: &Value| -> BTreeSet<String> { v.as_sequence().expect("a list").iter().map(reference).collect() };
    let owned = |items: &[&str]| -> BTreeSet<String> { items.iter().map(|s| s.to_string()).collect() };
    assert_eq!(strings(&policy["AllowMethods"]), owned(&cors::allow_methods()));
    assert_eq!(strings(&policy["AllowHeaders"]), owned(cors::ALLOW_HEADERS));
    assert_eq!(policy["AllowCredentials"], false);
    assert_eq!(policy["MaxAge"].as_u64(), Some(u64::from(cors::MAX_AGE_SECS)));
    let functions = functions(&template);
    for name in ["checkout", "subscribe"] {
        let vars = &functions[name]["Properties"]["Environment"]["Variables"];
        assert!(vars.get(shared::config::vars::ALLOWED_ORIGINS).is_some(), "{name} checks return URLs");
    }
}

/// A function must give up on a silent dependency before Lambda gives up on the function:
/// a whole SDK call (`shared::sdk::Limits::LAMBDA`, retries included) takes at most half of
/// every function's timeout, the rest left to answer 503 or to fail the message cleanly.
#[test]
fn every_function_outlives_a_call_the_sdk_gives_up_on() {
    let template = template();
    let limits = shared::sdk::Limits::LAMBDA;
    for (name, function) in functions(&template) {
        let timeout = function["Properties"]["Timeout"]
            .as_u64()
            .or(template["Globals"]["Function"]["Timeout"].as_u64())
            .expect("a timeout");
        assert!(
            2 * limits.operation.as_secs() <= timeout,
            "{name}: {timeout} s for calls of up to {:?}",
            limits.operation
        );
    }
}
