//! What IAM must allow for a DynamoDB call (see `crate::access`): the store is the only
//! code that knows DynamoDB's inputs.
use aws_sdk_dynamodb::operation::{
    batch_get_item::BatchGetItemInput, delete_item::DeleteItemInput, get_item::GetItemInput, put_item::PutItemInput,
    query::QueryInput, transact_write_items::TransactWriteItemsInput, update_item::UpdateItemInput,
};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::client::interceptors::context::Input;

use super::Item;
use crate::access::Access;

/// `USER#42#ORDERS` → `USER#`; `SETTINGS` → `SETTINGS`.
fn key_kind(pk: &str) -> String {
    pk.find('#').map_or(pk, |at| &pk[..=at]).to_string()
}

fn pk_of(item: Option<&Item>) -> Option<String> {
    match item?.get("pk")? {
        AttributeValue::S(pk) => Some(key_kind(pk)),
        _ => None,
    }
}

/// The permissions a DynamoDB call with `input` needs.
pub(crate) fn dynamodb(input: &Input) -> Vec<Access> {
    let table = |name: Option<&str>| name.unwrap_or_default().to_string();
    if let Some(i) = input.downcast_ref::<GetItemInput>() {
        return vec![Access::new("dynamodb:GetItem", table(i.table_name()), pk_of(i.key.as_ref()))];
    }
    if let Some(i) = input.downcast_ref::<PutItemInput>() {
        return vec![Access::new("dynamodb:PutItem", table(i.table_name()), pk_of(i.item.as_ref()))];
    }
    if let Some(i) = input.downcast_ref::<UpdateItemInput>() {
        return vec![Access::new("dynamodb:UpdateItem", table(i.table_name()), pk_of(i.key.as_ref()))];
    }
    if let Some(i) = input.downcast_ref::<DeleteItemInput>() {
        return vec![Access::new("dynamodb:DeleteItem", table(i.table_name()), pk_of(i.key.as_ref()))];
    }
    if let Some(i) = input.downcast_ref::<QueryInput>() {
        let resource = match i.index_name() {
            Some(index) => format!("{}/index/{index}", table(i.table_name())),
            None => table(i.table_name()),
        };
        return vec![Access::new("dynamodb:Query", resource, queried_partition(i))];
    }
    if let Some(i) = input.downcast_ref::<BatchGetItemInput>() {
        return i
            .request_items()
            .into_iter()
            .flatten()
            .flat_map(|(name, wanted)| {
                wanted.keys().iter().map(|key| Access::new("dynamodb:BatchGetItem", name.clone(), pk_of(Some(key))))
            })
            .collect();
    }
    if let Some(i) = input.downcast_ref::<TransactWriteItemsInput>() {
        // IAM has no transaction action: each write needs its own.
        return i
            .transact_items()
            .iter()
            .filter_map(|write| {
                if let Some(put) = write.put() {
                    Some(Access::new("dynamodb:PutItem", put.table_name(), pk_of(Some(put.item()))))
                } else if let Some(update) = write.update() {
                    Some(Access::new("dynamodb:UpdateItem", update.table_name(), pk_of(Some(update.key()))))
                } else if let Some(delete) = write.delete() {
                    Some(Access::new("dynamodb:DeleteItem", delete.table_name(), pk_of(Some(delete.key()))))
                } else {
                    write.condition_check().map(|check| {
                        Access::new("dynamodb:ConditionCheckItem", check.table_name(), pk_of(Some(check.key())))
                    })
                }
            })
            .collect();
    }
    Vec::new()
}

/// The partition a query reads: the value its key condition gives the hash key.
fn queried_partition(query: &QueryInput) -> Option<String> {
    let condition = query.key_condition_expression()?;
    let placeholder = condition.split(" AND ").find_map(|part| {
        let (left, right) = part.split_once('=')?;
        left.trim().ends_with("pk").then(|| right.trim().to_string())
    })?;
    match query.expression_attribute_values()?.get(&placeholder)? {
        AttributeValue::S(pk) => Some(key_kind(pk)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_kinds_stop_at_the_first_separator() {
        assert_eq!(key_kind("USER#42#ORDERS"), "USER#");
        assert_eq!(key_kind("SETTINGS"), "SETTINGS");
    }

    #[test]
    fn a_transaction_needs_each_of_its_writes() {
        let key = Item::from([("pk".to_string(), AttributeValue::S("ORDER#1".into()))]);
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name("t")
            .set_key(Some(key.clone()))
            .update_expression("SET a = :a")
            .build()
            .expect("an update");
        let put = aws_sdk_dynamodb::types::Put::builder().table_name("t").set_item(Some(key)).build().expect("a put");
        let input = TransactWriteItemsInput::builder()
            .transact_items(aws_sdk_dynamodb::types::TransactWriteItem::builder().update(update).build())
            .transact_items(aws_sdk_dynamodb::types::TransactWriteItem::builder().put(put).build())
            .build()
            .expect("an input");
        let actions: Vec<_> = dynamodb(&Input::erase(input)).into_iter().map(|a| a.action).collect();
        assert_eq!(actions, ["dynamodb:UpdateItem", "dynamodb:PutItem"]);
    }
}
