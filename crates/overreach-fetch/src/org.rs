//! AWS Organizations: the tree of roots, OUs and accounts with the SCPs and RCPs attached to
//! each, and the scan of every member account.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use aws_sdk_organizations::Client;
use aws_sdk_organizations::types::{AccountStatus, PolicyType};
use overreach_snapshot::{
    FetchErrorKind, OrgAccount, OrgNode, OrgPolicy, Organization, PolicyDocument,
};

use crate::pages::{Markers, Stop};
use crate::record::{Call, Recorder, error_code};

/// The policy types fetched for every node: what can restrict access.
const POLICY_TYPES: [PolicyType; 2] = [
    PolicyType::ServiceControlPolicy,
    PolicyType::ResourceControlPolicy,
];

struct Walk<'a> {
    client: &'a Client,
    recorder: &'a Recorder,
    policies: BTreeMap<String, OrgPolicy>,
}

/// Fetches the organization the caller's account belongs to; `None` when that is not
/// possible at all (recorded).
pub(crate) async fn organization(client: &Client, recorder: &Recorder) -> Option<Organization> {
    let described = match client.describe_organization().send().await {
        Ok(out) => out.organization?.clone(),
        Err(err) => {
            recorder.record_sdk(
                Call::new(
                    "DescribeOrganization",
                    "organizations:DescribeOrganization",
                    "",
                ),
                &err,
            );
            return None;
        }
    };
    let mut org = Organization {
        id: described.id().unwrap_or_default().to_owned(),
        arn: described.arn().map(str::to_owned),
        management_account_id: described.master_account_id().map(str::to_owned),
        ..Organization::default()
    };
    let mut walk = Walk {
        client,
        recorder,
        policies: BTreeMap::new(),
    };
    let mut token: Option<String> = None;
    let mut markers = Markers::default();
    let roots_call = Call::new("ListRoots", "organizations:ListRoots", &org.id);
    loop {
        let result = client
            .list_roots()
            .set_next_token(token.take())
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(err) => {
                recorder.record_sdk(roots_call, &err);
                break;
            }
        };
        for root in out.roots() {
            let Some(id) = root.id() else { continue };
            let mut node = OrgNode {
                id: id.to_owned(),
                arn: root.arn().map(str::to_owned),
                name: root.name().map(str::to_owned),
                ..OrgNode::default()
            };
            walk.fill(&mut node).await;
            org.roots.push(node);
        }
        match markers.next_token(out.next_token()) {
            Ok(next) => token = next,
            Err(stop) => record_stop(recorder, roots_call, &stop),
        }
        if token.is_none() {
            break;
        }
    }
    for policy in walk.policies.values_mut() {
        describe(client, recorder, policy).await;
    }
    org.policies = walk.policies.into_values().collect();
    Some(org)
}

impl Walk<'_> {
    /// Fills a root or OU: its policies, its accounts and (recursively) its OUs.
    fn fill<'s>(
        &'s mut self,
        node: &'s mut OrgNode,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 's>> {
        Box::pin(async move {
            node.policy_ids = self.policies_for(&node.id).await;
            self.recorder
                .progress(&format!("organization: {}", node.id));
            let accounts_call = Call::new(
                "ListAccountsForParent",
                "organizations:ListAccountsForParent",
                &node.id,
            );
            let mut token: Option<String> = None;
            let mut markers = Markers::default();
            loop {
                let result = self
                    .client
                    .list_accounts_for_parent()
                    .parent_id(&node.id)
                    .set_next_token(token.take())
                    .send()
                    .await;
                let out = match result {
                    Ok(out) => out,
                    Err(err) => {
                        self.recorder.record_sdk(accounts_call, &err);
                        break;
                    }
                };
                for account in out.accounts() {
                    let Some(id) = account.id() else { continue };
                    let policy_ids = self.policies_for(id).await;
                    node.accounts.push(OrgAccount {
                        id: id.to_owned(),
                        arn: account.arn().map(str::to_owned),
                        name: account.name().map(str::to_owned),
                        email: account.email().map(str::to_owned),
                        status: account.status().map(|s| s.as_str().to_owned()),
                        policy_ids,
                    });
                }
                match markers.next_token(out.next_token()) {
                    Ok(next) => token = next,
                    Err(stop) => record_stop(self.recorder, accounts_call, &stop),
                }
                if token.is_none() {
                    break;
                }
            }
            let units_call = Call::new(
                "ListOrganizationalUnitsForParent",
                "organizations:ListOrganizationalUnitsForParent",
                &node.id,
            );
            let mut token: Option<String> = None;
            let mut markers = Markers::default();
            loop {
                let result = self
                    .client
                    .list_organizational_units_for_parent()
                    .parent_id(&node.id)
                    .set_next_token(token.take())
                    .send()
                    .await;
                let out = match result {
                    Ok(out) => out,
                    Err(err) => {
                        self.recorder.record_sdk(units_call, &err);
                        break;
                    }
                };
                for ou in out.organizational_units() {
                    let Some(id) = ou.id() else { continue };
                    let mut child = OrgNode {
                        id: id.to_owned(),
                        arn: ou.arn().map(str::to_owned),
                        name: ou.name().map(str::to_owned),
                        ..OrgNode::default()
                    };
                    self.fill(&mut child).await;
                    node.organizational_units.push(child);
                }
                match markers.next_token(out.next_token()) {
                    Ok(next) => token = next,
                    Err(stop) => record_stop(self.recorder, units_call, &stop),
                }
                if token.is_none() {
                    break;
                }
            }
        })
    }

    /// The ids of the SCPs and RCPs attached directly to `target`, remembering each policy.
    async fn policies_for(&mut self, target: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let call = Call::new(
            "ListPoliciesForTarget",
            "organizations:ListPoliciesForTarget",
            target,
        );
        for kind in POLICY_TYPES {
            let mut token: Option<String> = None;
            let mut markers = Markers::default();
            loop {
                let result = self
                    .client
                    .list_policies_for_target()
                    .target_id(target)
                    .filter(kind.clone())
                    .set_next_token(token.take())
                    .send()
                    .await;
                let out = match result {
                    Ok(out) => out,
                    // A policy type that is not enabled has nothing attached.
                    Err(err) if error_code(&err) == Some("PolicyTypeNotEnabledException") => break,
                    Err(err) => {
                        self.recorder.record_sdk(call, &err);
                        break;
                    }
                };
                for summary in out.policies() {
                    let Some(id) = summary.id() else { continue };
                    ids.push(id.to_owned());
                    self.policies
                        .entry(id.to_owned())
                        .or_insert_with(|| OrgPolicy {
                            id: id.to_owned(),
                            arn: summary.arn().map(str::to_owned),
                            name: summary.name().map(str::to_owned),
                            description: summary.description().map(str::to_owned),
                            policy_type: kind.as_str().to_owned(),
                            aws_managed: summary.aws_managed(),
                            document: None,
                        });
                }
                match markers.next_token(out.next_token()) {
                    Ok(next) => token = next,
                    Err(stop) => record_stop(self.recorder, call, &stop),
                }
                if token.is_none() {
                    break;
                }
            }
        }
        ids
    }
}

/// Records a listing that stopped early; what it listed before is kept (the tree is then
/// incomplete, and `Errors` says where).
fn record_stop(recorder: &Recorder, call: Call<'_>, stop: &Stop) {
    recorder.record(call.error(FetchErrorKind::Failed, stop.to_string()));
}

/// DescribePolicy: adds the document to `policy`.
async fn describe(client: &Client, recorder: &Recorder, policy: &mut OrgPolicy) {
    let call = Call::new("DescribePolicy", "organizations:DescribePolicy", &policy.id);
    match client.describe_policy().policy_id(&policy.id).send().await {
        Ok(out) => {
            let Some(content) = out.policy().and_then(|p| p.content()) else {
                return;
            };
            match PolicyDocument::from_api_text(content) {
                Ok(doc) => policy.document = Some(doc),
                Err(err) => recorder.record(call.error(FetchErrorKind::Failed, err.to_string())),
            }
        }
        Err(err) => recorder.record_sdk(call, &err),
    }
}

/// The ids of every ACTIVE account in the tree, in tree order.
pub(crate) fn active_accounts(org: &Organization) -> Vec<String> {
    fn walk(node: &OrgNode, out: &mut Vec<String>) {
        for account in &node.accounts {
            if account.status.as_deref() == Some(AccountStatus::Active.as_str()) {
                out.push(account.id.clone());
            }
        }
        for child in &node.organizational_units {
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    for root in &org.roots {
        walk(root, &mut out);
    }
    out
}
