use std::collections::HashMap;

use aws_sdk_dynamodb::types::KeysAndAttributes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{from_item, keys, n, to_item, Store, StoreError};
use crate::store::ProductRecord;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLineRecord {
    pub product_id: String,
    pub quantity: u32,
}

/// The user's one unpaid cart: its key (`USER#id`/`CART`) is what makes a second impossible.
/// Every change is a put conditional on `version`, so concurrent changes never lose a line.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CartRecord {
    pub pk: String,
    pub sk: String,
    pub cart_id: String,
    pub user_id: String,
    pub lines: Vec<CartLineRecord>,
    pub promo_code: Option<String>,
    /// The order whose payment is awaited; the cart is locked meanwhile.
    pub checkout_order_id: Option<String>,
    pub version: u64,
    #[serde(with = "crate::clock::secs")]
    pub updated_at: DateTime<Utc>,
    /// Present only while the cart has lines, so the admin listing reads just those.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
}

impl CartRecord {
    pub fn empty(user_id: &str, now: DateTime<Utc>) -> Self {
        let key = keys::cart(user_id);
        Self {
            pk: key.pk,
            sk: key.sk,
            cart_id: uuid::Uuid::new_v4().to_string(),
            user_id: user_id.to_string(),
            lines: Vec::new(),
            promo_code: None,
            checkout_order_id: None,
            version: 0,
            updated_at: now,
            gsi1pk: None,
            gsi1sk: None,
        }
    }

    pub fn quantity_of(&self, product_id: &str) -> u32 {
        self.lines.iter().find(|l| l.product_id == product_id).map_or(0, |l| l.quantity)
    }

    /// Marks a change made at `now`: the next version, and listed among unpaid carts
    /// only while it has lines.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        self.version += 1;
        self.updated_at = now;
        let listed = !self.lines.is_empty();
        self.gsi1pk = listed.then(|| keys::UNPAID_CARTS.to_string());
        self.gsi1sk = listed.then(|| keys::time_sort(now, &self.user_id));
    }

    /// Sets a line's quantity; 0 removes it. New lines go last.
    pub fn set_quantity(&mut self, product_id: &str, quantity: u32) {
        match self.lines.iter_mut().find(|l| l.product_id == product_id) {
            Some(line) if quantity > 0 => line.quantity = quantity,
            Some(_) => self.lines.retain(|l| l.product_id != product_id),
            None if quantity > 0 => self.lines.push(CartLineRecord { product_id: product_id.to_string(), quantity }),
            None => {}
        }
    }
}

impl Store {
    pub async fn cart(&self, user_id: &str) -> Result<Option<CartRecord>, StoreError> {
        self.get(keys::cart(user_id)).await
    }

    /// The user's cart, created empty on first use.
    pub async fn open_cart(&self, user_id: &str, now: DateTime<Utc>) -> Result<CartRecord, StoreError> {
        if let Some(cart) = self.cart(user_id).await? {
            return Ok(cart);
        }
        let cart = CartRecord::empty(user_id, now);
        match self.put_new(&cart).await {
            Ok(()) => Ok(cart),
            // Another request created it first: there is still only one.
            Err(StoreError::ConditionFailed) => {
                self.cart(user_id).await?.ok_or_else(|| StoreError::Aws("cart vanished".into()))
            }
            Err(e) => Err(e),
        }
    }

    /// The user's cart (or a new empty one, not stored yet) and these products, in one
    /// round trip: what a change of the cart reads.
    pub async fn cart_and_products(
        &self,
        user_id: &str,
        product_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<(CartRecord, HashMap<String, ProductRecord>), StoreError> {
        let (cart, products) = self.products_and(product_ids, keys::cart(user_id)).await?;
        let cart = cart.map(from_item::<CartRecord>).transpose()?;
        Ok((cart.unwrap_or_else(|| CartRecord::empty(user_id, now)), products))
    }

    /// These products by id and the item at `other` (if stored), in one round trip.
    pub(super) async fn products_and(
        &self,
        product_ids: &[String],
        other: keys::Key,
    ) -> Result<(Option<super::Item>, HashMap<String, ProductRecord>), StoreError> {
        let mut wanted: Vec<keys::Key> = product_ids.iter().map(|id| keys::product(id)).collect();
        wanted.sort_by(|a, b| a.pk.cmp(&b.pk));
        wanted.dedup();
        wanted.push(other.clone());
        let is_other = |item: &super::Item| {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
            text("pk").as_ref() == Some(&other.pk) && text("sk").as_ref() == Some(&other.sk)
        };
        let (mut found, mut products) = (None, HashMap::new());
        for item in self.batch_get(wanted).await? {
            if is_other(&item) {
                found = Some(item);
            } else {
                let product: ProductRecord = from_item(item)?;
                products.insert(product.product_id.clone(), product);
            }
        }
        self.read_shards(products.values_mut()).await?;
        Ok((found, products))
    }

    /// The user's profile and cart, in one round trip: what a checkout starts from.
    pub async fn user_and_cart(
        &self,
        user_id: &str,
    ) -> Result<(Option<super::UserProfile>, Option<CartRecord>), StoreError> {
        let (user_key, cart_key) = (keys::user(user_id), keys::cart(user_id));
        let (mut user, mut cart) = (None, None);
        for item in self.batch_get(vec![user_key.clone(), cart_key]).await? {
            let is_user = item.get("sk").and_then(|v| v.as_s().ok()).is_some_and(|sk| *sk == user_key.sk);
            match is_user {
                true => user = Some(from_item(item)?),
                false => cart = Some(from_item(item)?),
            }
        }
        Ok((user, cart))
    }

    /// Saves a changed cart if nobody changed it since it was read with the lines `before`
    /// (`ConditionFailed` if so, or if a product it gains was archived meanwhile); a cart
    /// never stored is created by it. A product entering or leaving it moves the product's
    /// counter of carts holding it in the same transaction.
    pub async fn save_cart(
        &self,
        cart: &mut CartRecord,
        before: &[CartLineRecord],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let expected = cart.version;
        cart.touch(now);
        let result = self.put_cart(cart, before, expected).await;
        if result.is_err() {
            cart.version = expected;
        }
        result
    }

    async fn put_cart(&self, cart: &CartRecord, before: &[CartLineRecord], expected: u64) -> Result<(), StoreError> {
        // Version 0: not stored yet, or stored empty by `open_cart` and never changed.
        let condition = match expected {
            0 => "attribute_not_exists(pk) OR version = :expected",
            _ => "version = :expected",
        };
        let moves = self.cart_holding_moves(&cart.user_id, before, &cart.lines)?;
        if moves.is_empty() {
            let request = self.client().put_item().table_name(self.table()).set_item(Some(to_item(cart)?));
            let request = request.condition_expression(condition).expression_attribute_values(":expected", n(expected));
            return self.send_write(request).await.map(|_| ());
        }
        let values = super::Item::from([(":expected".into(), n(expected))]);
        let mut actions = vec![super::tx::put_if(self.table(), to_item(cart)?, Some(condition), values)?];
        actions.extend(moves);
        match self.transact(actions).await {
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.any_refused() => {
                Err(StoreError::ConditionFailed)
            }
            done => done,
        }
    }

    /// Products by id, in one round trip per 100.
    pub async fn products_by_id(&self, ids: &[String]) -> Result<HashMap<String, ProductRecord>, StoreError> {
        let mut unique: Vec<&String> = ids.iter().collect();
        unique.sort();
        unique.dedup();
        let items = self.batch_get(unique.into_iter().map(|id| keys::product(id)).collect()).await?;
        let mut products: HashMap<String, ProductRecord> = items
            .into_iter()
            .map(|item| from_item::<ProductRecord>(item).map(|p| (p.product_id.clone(), p)))
            .collect::<Result<_, _>>()?;
        self.read_shards(products.values_mut()).await?;
        Ok(products)
    }

    /// Items by key (distinct keys), strongly consistent, in one round trip per 100.
    pub(super) async fn batch_get(&self, wanted: Vec<keys::Key>) -> Result<Vec<super::Item>, StoreError> {
        let mut found = Vec::new();
        for chunk in wanted.chunks(100) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.iter().map(keys::Key::item).collect()))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| StoreError::Aws(e.to_string()))?,
            );
            while let Some(request) = pending.take() {
                let out = self
                    .client()
                    .batch_get_item()
                    .request_items(self.table(), request)
                    .send()
                    .await
                    .map_err(StoreError::from_sdk)?;
                found.extend(out.responses.and_then(|mut r| r.remove(self.table())).unwrap_or_default());
                pending = out.unprocessed_keys.and_then(|mut u| u.remove(self.table()));
            }
        }
        Ok(found)
    }
}
