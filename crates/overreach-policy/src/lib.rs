//! The IAM policy engine of overreach: policy language, action catalogue, AWS managed
//! policies, action sets, the evaluator and static summaries.
//!
//! INVARIANT: this crate is a pure function of its inputs: no I/O, no async, no clock.

pub mod actionset;
pub mod catalog;
pub mod condition;
pub mod context;
pub mod decode;
pub mod eval;
pub mod glob;
pub mod managed;
pub mod parse;
pub mod policy;
pub mod principal;
pub mod summary;
pub mod variables;

pub use actionset::{ActionSet, Expander};
pub use catalog::{AccessLevel, ActionId, Catalog};
pub use context::{RequestContext, Tri};
pub use eval::{Decision, Layer, Outcome, PolicySet, Request, ResourcePolicyKind, evaluate};
pub use managed::{ManagedPolicies, ManagedPolicy};
pub use parse::{PolicyError, parse_policy, parse_policy_value};
pub use policy::{Effect, NamedPolicy, Policy, Statement, StatementRef, Version};
pub use principal::Principal;
pub use summary::{EffectiveSummary, Layers, PolicySummary, summarize_policy, summarize_principal};
