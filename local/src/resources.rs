//! The AWS resources Capsule runs on, described once. `template.yaml` declares the same
//! (a test keeps the two in agreement); the local stack creates them in the emulator.
use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::json;
use shared::config::SecretName;

use crate::StackError;

pub struct TableSpec {
    pub logical_id: &'static str,
    pub hash_key: &'static str,
    pub range_key: &'static str,
    /// (index name, hash key, range key); every index projects all attributes.
    pub indexes: &'static [(&'static str, &'static str, &'static str)],
    pub ttl_attribute: &'static str,
}

pub struct QueueSpec {
    pub logical_id: &'static str,
    pub dead_letter_logical_id: &'static str,
    /// The function that consumes it.
    pub consumer: &'static str,
    /// The environment variable that gives producers its URL.
    pub url_variable: &'static str,
    pub visibility_timeout_seconds: i32,
    pub max_receive_count: i32,
    pub batch_size: i32,
}

pub struct RuleSpec {
    pub logical_id: &'static str,
    pub detail_types: &'static [&'static str],
    /// Logical id of the queue the matching events go to.
    pub target_queue: &'static str,
}

pub struct ScheduleSpec {
    pub function: &'static str,
    pub rate_minutes: u64,
}

impl ScheduleSpec {
    /// Its EventBridge schedule expression, as template.yaml writes it.
    pub fn expression(&self) -> String {
        let (count, unit) = match self.rate_minutes {
            m if m % (24 * 60) == 0 => (m / (24 * 60), "day"),
            m if m % 60 == 0 => (m / 60, "hour"),
            m => (m, "minute"),
        };
        format!("rate({count} {unit}{})", if count == 1 { "" } else { "s" })
    }
}

pub const TABLE: TableSpec = TableSpec {
    logical_id: "CapsuleTable",
    hash_key: "pk",
    range_key: "sk",
    indexes: &[("gsi1", "gsi1pk", "gsi1sk"), ("gsi2", "gsi2pk", "gsi2sk"), ("gsi3", "gsi3pk", "gsi3sk")],
    ttl_attribute: "ttl",
};

pub const QUEUES: &[QueueSpec] = &[
    QueueSpec {
        logical_id: "NotificationsQueue",
        dead_letter_logical_id: "NotificationsDeadLetterQueue",
        consumer: "notifier",
        url_variable: shared::config::vars::NOTIFICATIONS_QUEUE_URL,
        visibility_timeout_seconds: 180,
        max_receive_count: 5,
        batch_size: 10,
    },
    QueueSpec {
        logical_id: "RenewalsQueue",
        dead_letter_logical_id: "RenewalsDeadLetterQueue",
        consumer: "charge-renewal",
        url_variable: shared::config::vars::RENEWALS_QUEUE_URL,
        visibility_timeout_seconds: 180,
        max_receive_count: 5,
        batch_size: 10,
    },
    QueueSpec {
        logical_id: "PaymentEventsQueue",
        dead_letter_logical_id: "PaymentEventsDeadLetterQueue",
        consumer: "payment-events",
        url_variable: shared::config::vars::PAYMENT_EVENTS_QUEUE_URL,
        visibility_timeout_seconds: 180,
        max_receive_count: 5,
        batch_size: 10,
    },
];

pub const EVENT_BUS_LOGICAL_ID: &str = "CapsuleEventBus";

/// The secrets each function is given (`template.yaml`: the `*_ARN` variables and the
/// `secretsmanager:GetSecretValue` statements); a function not listed is given none. The
/// local stack gives each function only these, as a deployment does.
pub const FUNCTION_SECRETS: &[(&str, &[SecretName])] = &[
    ("auth", &[SecretName::Jwt]),
    ("add-to-cart", &[SecretName::Jwt]),
    ("checkout", &[SecretName::Jwt, SecretName::StripeSecretKey]),
    ("orders", &[SecretName::Jwt]),
    ("cancel-order", &[SecretName::Jwt, SecretName::StripeSecretKey]),
    ("payment-methods", &[SecretName::Jwt, SecretName::StripeSecretKey]),
    ("subscribe", &[SecretName::Jwt, SecretName::StripeSecretKey]),
    ("admin", &[SecretName::Jwt]),
    ("admin-orders", &[SecretName::Jwt]),
    ("admin-catalogue", &[SecretName::Jwt]),
    ("payment-portal", &[SecretName::Fingerprint, SecretName::StripeSecretKey]),
    ("payment-webhook", &[SecretName::PaymentWebhook, SecretName::StripeSecretKey, SecretName::StripeWebhook]),
    ("payment-events", &[SecretName::PaymentWebhook]),
    // Deliver the refunds (Stripe's) and close the sessions the others recorded.
    ("outbox-relay", &[SecretName::StripeSecretKey]),
    ("charge-renewal", &[SecretName::StripeSecretKey]),
];

/// The secrets `function` is given.
pub fn secrets_of(function: &str) -> &'static [SecretName] {
    FUNCTION_SECRETS.iter().find(|(f, _)| *f == function).map_or(&[], |(_, secrets)| *secrets)
}

pub const RULES: &[RuleSpec] = &[];

pub const SCHEDULES: &[ScheduleSpec] = &[
    ScheduleSpec { function: "release-expired-reservations", rate_minutes: 1 },
    ScheduleSpec { function: "outbox-relay", rate_minutes: 1 },
    ScheduleSpec { function: "invoice-numbering", rate_minutes: 1 },
    ScheduleSpec { function: "card-expiry-scan", rate_minutes: 24 * 60 },
    ScheduleSpec { function: "charge-renewal", rate_minutes: 60 },
];

/// What the resources are called in one deployment (a prefix per stack or per test).
#[derive(Clone, Debug)]
pub struct Names {
    pub prefix: String,
}

impl Names {
    pub fn table(&self) -> String {
        format!("{}-table", self.prefix)
    }
    pub fn queue(&self, logical_id: &str) -> String {
        format!("{}-{logical_id}", self.prefix)
    }
    pub fn bus(&self) -> String {
        format!("{}-events", self.prefix)
    }
    pub fn rule(&self, logical_id: &str) -> String {
        format!("{}-{logical_id}", self.prefix)
    }
    pub fn secret(&self, secret: SecretName) -> String {
        format!("{}-{}", self.prefix, secret.logical_id())
    }
}

/// A created queue: where to send and where records say they come from.
#[derive(Clone, Debug)]
pub struct Queue {
    pub url: String,
    pub arn: String,
}

/// Every resource, created if missing (so restarting the local stack keeps its data).
pub struct Created {
    pub queues: HashMap<&'static str, Queue>,
    /// Each secret's ARN.
    pub secrets: Vec<(SecretName, String)>,
}

pub async fn create_all(
    sdk: &aws_config::SdkConfig,
    names: &Names,
    sender: &str,
    secrets: &[(SecretName, String)],
) -> Result<Created, StackError> {
    create_table(&aws_sdk_dynamodb::Client::new(sdk), &names.table()).await?;
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let mut queues = HashMap::new();
    for spec in QUEUES {
        let dead_letter = create_queue(&sqs, &names.queue(spec.dead_letter_logical_id), HashMap::new()).await?;
        let redrive =
            json!({"deadLetterTargetArn": dead_letter.arn, "maxReceiveCount": spec.max_receive_count.to_string()});
        let attributes = HashMap::from([
            (QueueAttributeName::RedrivePolicy, redrive.to_string()),
            (QueueAttributeName::VisibilityTimeout, spec.visibility_timeout_seconds.to_string()),
        ]);
        queues.insert(spec.logical_id, create_queue(&sqs, &names.queue(spec.logical_id), attributes).await?);
        queues.insert(spec.dead_letter_logical_id, dead_letter);
    }
    create_bus_and_rules(&aws_sdk_eventbridge::Client::new(sdk), names, &queues).await?;
    match aws_sdk_sesv2::Client::new(sdk).create_email_identity().email_identity(sender).send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|e| e.is_already_exists_exception()) => {}
        Err(e) => return Err(StackError::aws("SES identity", e)),
    }
    let manager = aws_sdk_secretsmanager::Client::new(sdk);
    let mut arns = Vec::new();
    for (secret, value) in secrets {
        arns.push((*secret, put_secret(&manager, &names.secret(*secret), value).await?));
    }
    Ok(Created { queues, secrets: arns })
}

/// Creates the secret, or gives an existing one (a restart) this value; its ARN.
async fn put_secret(manager: &aws_sdk_secretsmanager::Client, name: &str, value: &str) -> Result<String, StackError> {
    let arn = match manager.create_secret().name(name).secret_string(value).send().await {
        Ok(created) => created.arn,
        Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_exists_exception()) => {
            manager
                .put_secret_value()
                .secret_id(name)
                .secret_string(value)
                .send()
                .await
                .map_err(|e| StackError::aws("put secret value", e))?
                .arn
        }
        Err(e) => return Err(StackError::aws("create secret", e)),
    };
    arn.ok_or_else(|| StackError::Setup(format!("secret {name} has no ARN")))
}

/// Capsule's table: `TABLE`'s keys and indexes, with TTL.
pub async fn create_table(db: &aws_sdk_dynamodb::Client, name: &str) -> Result<(), StackError> {
    let key = |attribute: &str, kind: KeyType| {
        KeySchemaElement::builder().attribute_name(attribute).key_type(kind).build().map_err(StackError::build)
    };
    let mut attributes = vec![TABLE.hash_key, TABLE.range_key];
    let mut request = db
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(TABLE.hash_key, KeyType::Hash)?)
        .key_schema(key(TABLE.range_key, KeyType::Range)?);
    for (index, hash, range) in TABLE.indexes {
        attributes.extend([*hash, *range]);
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(*index)
                .key_schema(key(hash, KeyType::Hash)?)
                .key_schema(key(range, KeyType::Range)?)
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .map_err(StackError::build)?,
        );
    }
    for attribute in attributes {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attribute)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(StackError::build)?,
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => return Ok(()),
        Err(e) => return Err(StackError::aws("create table", e)),
    }
    db.update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TABLE.ttl_attribute)
                .enabled(true)
                .build()
                .map_err(StackError::build)?,
        )
        .send()
        .await
        .map_err(|e| StackError::aws("table TTL", e))?;
    Ok(())
}

async fn create_queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    attributes: HashMap<QueueAttributeName, String>,
) -> Result<Queue, StackError> {
    let created = sqs
        .create_queue()
        .queue_name(name)
        .set_attributes((!attributes.is_empty()).then_some(attributes))
        .send()
        .await
        .map_err(|e| StackError::aws("create queue", e))?;
    let url = created.queue_url.ok_or_else(|| StackError::Setup(format!("queue {name} has no URL")))?;
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| StackError::aws("queue ARN", e))?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .ok_or_else(|| StackError::Setup(format!("queue {name} has no ARN")))?;
    Ok(Queue { url, arn })
}

async fn create_bus_and_rules(
    events: &aws_sdk_eventbridge::Client,
    names: &Names,
    queues: &HashMap<&'static str, Queue>,
) -> Result<(), StackError> {
    match events.create_event_bus().name(names.bus()).send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_already_exists_exception()) => {}
        Err(e) => return Err(StackError::aws("create event bus", e)),
    }
    for rule in RULES {
        let pattern = json!({"source": [shared::notify::EVENT_SOURCE], "detail-type": rule.detail_types});
        events
            .put_rule()
            .name(names.rule(rule.logical_id))
            .event_bus_name(names.bus())
            .event_pattern(pattern.to_string())
            .send()
            .await
            .map_err(|e| StackError::aws("put rule", e))?;
        let queue = queues
            .get(rule.target_queue)
            .ok_or_else(|| StackError::Setup(format!("rule {} targets unknown queue", rule.logical_id)))?;
        let target = aws_sdk_eventbridge::types::Target::builder()
            .id(rule.target_queue)
            .arn(&queue.arn)
            .build()
            .map_err(StackError::build)?;
        events
            .put_targets()
            .rule(names.rule(rule.logical_id))
            .event_bus_name(names.bus())
            .targets(target)
            .send()
            .await
            .map_err(|e| StackError::aws("put targets", e))?;
    }
    Ok(())
}
