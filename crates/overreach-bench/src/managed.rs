//! AWS managed policies with their documents, read from the policy engine's data file
//! (`crates/overreach-policy/data/managed-policies.json`: a header line, then one policy per
//! line), so that generated accounts carry the real documents in `Policies` as AWS does.

use serde::Deserialize;
use serde_json::Value;

const MANAGED_JSON: &str = include_str!("../../overreach-policy/data/managed-policies.json");

/// One AWS managed policy.
#[derive(Debug, Clone, Deserialize)]
pub struct AwsPolicy {
    /// `ReadOnlyAccess`.
    pub name: String,
    /// `arn:aws:iam::aws:policy/ReadOnlyAccess`.
    pub arn: String,
    /// Default version id (`v3`).
    pub version: String,
    /// Last update, when known.
    pub updated: Option<String>,
    /// The document.
    pub document: Value,
}

impl AwsPolicy {
    /// The path part of the ARN (`/`, `/service-role/`, `/job-function/`).
    pub fn path(&self) -> String {
        let rest = self.arn.trim_start_matches("arn:aws:iam::aws:policy");
        match rest.rfind('/') {
            Some(i) => rest[..=i].to_string(),
            None => "/".to_string(),
        }
    }
}

/// Every line-policy of the data file, in file order (lines that are not a policy are skipped).
pub fn all() -> Vec<AwsPolicy> {
    MANAGED_JSON
        .lines()
        .skip(1)
        .filter_map(|line| {
            let line = line.trim().trim_end_matches(',');
            if !line.starts_with('{') {
                return None;
            }
            serde_json::from_str::<AwsPolicy>(line).ok()
        })
        .collect()
}

/// Policies every account uses, by name (those missing from the data file are skipped).
pub const COMMON: &[&str] = &[
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "ViewOnlyAccess",
    "SecurityAudit",
    "IAMFullAccess",
    "IAMReadOnlyAccess",
    "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess",
    "AmazonEC2FullAccess",
    "AmazonEC2ReadOnlyAccess",
    "AmazonDynamoDBFullAccess",
    "AmazonDynamoDBReadOnlyAccess",
    "AWSLambdaBasicExecutionRole",
    "AWSLambda_FullAccess",
    "AWSLambda_ReadOnlyAccess",
    "AWSLambdaVPCAccessExecutionRole",
    "CloudWatchReadOnlyAccess",
    "CloudWatchLogsReadOnlyAccess",
    "CloudWatchAgentServerPolicy",
    "AmazonSQSFullAccess",
    "AmazonSNSFullAccess",
    "AmazonSSMManagedInstanceCore",
    "AmazonECSTaskExecutionRolePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEC2ContainerRegistryPowerUser",
    "AWSCloudFormationFullAccess",
    "SecretsManagerReadWrite",
    "AmazonRDSReadOnlyAccess",
    "AWSXrayWriteOnlyAccess",
    "AmazonBedrockFullAccess",
    "AWSCodeCommitReadOnly",
];
