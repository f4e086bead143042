//! The deterministic account generator behind `gen-account`.
//!
//! Every entity (user, group, role, policy) is a pure function of `(seed, kind, index)`:
//! names, kinds and teams come from a stable hash, so any entity can name any other (a role
//! trusting another role, a principal attaching a policy) without holding the account in
//! memory. The output is written entity by entity, pretty-printed with four spaces like the
//! AWS CLI; memory stays a few tables of one byte or word per entity.
//!
//! Two passes: the first builds every principal only to count policy attachments (for
//! `AttachmentCount`, and to list only the AWS managed policies in use, as AWS does); the
//! second builds them again and writes them.

use std::collections::HashMap;
use std::io::{self, Write};

use overreach_snapshot::{
    AttachedPolicy, GroupDetail, InlinePolicy, InstanceProfile, InstanceProfileRole,
    ManagedPolicyDetail, PermissionsBoundary, PolicyDocument, PolicyVersion, RoleDetail,
    RoleLastUsed, Tag, UserDetail,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::managed::{self, AwsPolicy};
use crate::rng::{Rng, hash3};

/// A preset account size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// 50 users, 100 roles, 200 policies.
    Small,
    /// 500 / 2,000 / 3,000.
    Medium,
    /// 2,000 / 10,000 / 15,000.
    Large,
    /// 5,000 / 50,000 / 60,000.
    Xlarge,
}

impl Size {
    /// Parses `small|medium|large|xlarge`.
    pub fn parse(s: &str) -> Option<Size> {
        match s {
            "small" => Some(Size::Small),
            "medium" => Some(Size::Medium),
            "large" => Some(Size::Large),
            "xlarge" => Some(Size::Xlarge),
            _ => None,
        }
    }

    /// The name.
    pub fn name(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Medium => "medium",
            Size::Large => "large",
            Size::Xlarge => "xlarge",
        }
    }

    /// (users, roles, policies): `policies` counts every entry of `Policies`, customer and
    /// AWS managed.
    pub fn counts(self) -> (usize, usize, usize) {
        match self {
            Size::Small => (50, 100, 200),
            Size::Medium => (500, 2_000, 3_000),
            Size::Large => (2_000, 10_000, 15_000),
            Size::Xlarge => (5_000, 50_000, 60_000),
        }
    }

    /// How many distinct AWS managed policies the account attaches.
    fn aws_policies(self) -> usize {
        match self {
            Size::Small => 30,
            Size::Medium => 80,
            Size::Large => 150,
            Size::Xlarge => 250,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Users written.
    pub users: usize,
    /// Groups written.
    pub groups: usize,
    /// Roles written.
    pub roles: usize,
    /// Customer managed policies written.
    pub customer_policies: usize,
    /// AWS managed policies written (attached at least once).
    pub aws_policies: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// The account ids of organization mode: the first is the default single account.
pub fn account_ids(n: usize) -> Vec<String> {
    (0..n.max(1))
        .map(|k| format!("{:012}", 111_122_223_333u64 + 1_000_001 * k as u64))
        .collect()
}

// Streams of the hash (any distinct constants).
const S_USER: u64 = 1;
const S_GROUP: u64 = 2;
const S_ROLE: u64 = 3;
const S_POLICY: u64 = 4;
const S_PERSONA: u64 = 5;
const S_ROLEKIND: u64 = 6;
const S_POLKIND: u64 = 7;
const S_TEAM: u64 = 8;
const S_APP: u64 = 9;
const S_POOL: u64 = 10;

const TEAMS: &[&str] = &[
    "payments",
    "orders",
    "search",
    "platform",
    "data",
    "ml",
    "identity",
    "billing",
    "mobile",
    "web",
    "infra",
    "security",
    "analytics",
    "growth",
    "support",
    "catalog",
    "checkout",
    "shipping",
    "fraud",
    "ads",
    "media",
    "notifications",
    "reporting",
    "partners",
];
const APPS: &[&str] = &[
    "api",
    "worker",
    "ingest",
    "etl",
    "web",
    "scheduler",
    "gateway",
    "indexer",
    "export",
    "importer",
    "auth",
    "ledger",
    "sync",
    "stream",
    "cache",
    "router",
    "reports",
    "uploader",
];
const ENVS: &[&str] = &["dev", "staging", "prod"];
const REGIONS: &[&str] = &["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"];
const FIRST: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yusuf", "zoe",
    "amir", "bea", "chen", "dimitri", "esra", "fatima", "goran", "hana", "ines", "jonas", "kofi",
];
const WILDCARD_SERVICES: &[&str] = &[
    "ec2",
    "logs",
    "cloudwatch",
    "sqs",
    "sns",
    "dynamodb",
    "s3",
    "lambda",
    "ecs",
    "ecr",
    "kms",
    "rds",
    "elasticloadbalancing",
    "autoscaling",
    "cloudformation",
    "states",
    "events",
    "glue",
    "athena",
    "kinesis",
    "firehose",
    "ssm",
    "apigateway",
    "route53",
    "elasticache",
];

/// A principal or policy's team and application, from its index.
fn team_app(seed: u64, stream: u64, index: usize, teams: usize) -> (usize, &'static str) {
    let t = (hash3(seed, S_TEAM + 100 * stream, index as u64) % teams as u64) as usize;
    let a = APPS[(hash3(seed, S_APP + 100 * stream, index as u64) % APPS.len() as u64) as usize];
    (t, a)
}

fn team_name(t: usize) -> String {
    if t < TEAMS.len() {
        TEAMS[t].to_string()
    } else {
        format!("{}{}", TEAMS[t % TEAMS.len()], t / TEAMS.len() + 1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    Admin,
    ReadOnly,
    Developer,
    Ci,
    Legacy,
}

fn persona(seed: u64, i: usize) -> Persona {
    match hash3(seed, S_PERSONA, i as u64) % 100 {
        0..=2 => Persona::Admin,
        3..=37 => Persona::ReadOnly,
        38..=74 => Persona::Developer,
        75..=91 => Persona::Ci,
        _ => Persona::Legacy,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoleKind {
    Service,
    Ci,
    Human,
    Agent,
    CrossAccount,
    ServiceLinked,
    /// A role with AdministratorAccess that trusts lambda: the target of the PassRole path.
    LambdaAdmin,
    /// A role whose trust policy names `*`.
    Anyone,
}

fn role_kind(seed: u64, j: usize) -> RoleKind {
    if j % 149 == 3 {
        return RoleKind::LambdaAdmin;
    }
    if j % 997 == 500 {
        return RoleKind::Anyone;
    }
    match hash3(seed, S_ROLEKIND, j as u64) % 100 {
        0..=32 => RoleKind::Service,
        33..=44 => RoleKind::Ci,
        45..=62 => RoleKind::Human,
        63..=74 => RoleKind::Agent,
        75..=81 => RoleKind::CrossAccount,
        _ => RoleKind::ServiceLinked,
    }
}

const HUMAN_LEVELS: &[&str] = &["readonly", "developer", "admin"];

fn human_level(seed: u64, j: usize) -> &'static str {
    match hash3(seed, S_ROLEKIND + 50, j as u64) % 10 {
        0..=4 => HUMAN_LEVELS[0],
        5..=8 => HUMAN_LEVELS[1],
        _ => HUMAN_LEVELS[2],
    }
}

fn service_of(seed: u64, j: usize) -> &'static str {
    match hash3(seed, S_ROLEKIND + 60, j as u64) % 10 {
        0..=4 => "lambda",
        5..=7 => "ecs-tasks",
        _ => "ec2",
    }
}

const LINKED: &[&str] = &[
    "elasticloadbalancing",
    "autoscaling",
    "rds",
    "ecs",
    "organizations",
    "support",
    "trustedadvisor",
    "config",
    "guardduty",
    "securityhub",
    "sso",
    "backup",
];

/// A role's name and path, from the seed and index alone (other accounts use it too).
fn role_name(seed: u64, j: usize, teams: usize) -> (String, String) {
    let (t, app) = team_app(seed, S_ROLE, j, teams);
    let team = team_name(t);
    match role_kind(seed, j) {
        RoleKind::Service => (format!("svc-{team}-{app}-{j}"), "/".into()),
        RoleKind::Ci => (format!("ci-{team}-{app}-deploy-{j}"), "/ci/".into()),
        RoleKind::Human => (format!("{team}-{}-{j}", human_level(seed, j)), "/".into()),
        RoleKind::Agent => {
            let prefix = if j.is_multiple_of(3) { "kiro" } else { "agent" };
            (format!("{prefix}-{team}-{j}"), "/agents/".into())
        }
        RoleKind::CrossAccount => (format!("xacct-{team}-audit-{j}"), "/".into()),
        RoleKind::ServiceLinked => {
            let svc = LINKED[j % LINKED.len()];
            (
                format!("AWSServiceRoleFor{}{j}", capitalise(svc)),
                format!("/aws-service-role/{svc}.amazonaws.com/"),
            )
        }
        RoleKind::LambdaAdmin => (format!("ops-automation-admin-{j}"), "/".into()),
        RoleKind::Anyone => (format!("legacy-shared-{team}-{j}"), "/".into()),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn user_name(seed: u64, i: usize, teams: usize) -> String {
    let (t, app) = team_app(seed, S_USER, i, teams);
    let first = FIRST[(hash3(seed, S_USER + 70, i as u64) % FIRST.len() as u64) as usize];
    match persona(seed, i) {
        Persona::Ci => format!("ci-{}-{app}-{i}", team_name(t)),
        Persona::Legacy => format!("legacy-{app}-{i}"),
        _ => format!("{first}.{}{i}", team_name(t)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum PolCat {
    Boundary,
    EscLambda,
    EscAccessKey,
    EscSelfAttach,
    AppData,
    ServiceWide,
    Read,
    Deploy,
    Guardrail,
    Power,
    Assume,
    Secrets,
}

const CATS: usize = 12;

impl PolCat {
    fn slug(self) -> &'static str {
        match self {
            PolCat::Boundary => "boundary",
            PolCat::EscLambda => "lambda-deployer",
            PolCat::EscAccessKey => "access-key-rotation",
            PolCat::EscSelfAttach => "self-service-iam",
            PolCat::AppData => "app-data",
            PolCat::ServiceWide => "service-admin",
            PolCat::Read => "read",
            PolCat::Deploy => "deploy",
            PolCat::Guardrail => "guardrail",
            PolCat::Power => "power",
            PolCat::Assume => "assume",
            PolCat::Secrets => "secrets",
        }
    }
}

/// A policy attachment: customer managed by index, or AWS managed by pool index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PRef {
    Cust(usize),
    Aws(usize),
}

/// Everything derived once per account.
#[derive(Debug)]
struct Plan {
    seed: u64,
    acct: String,
    /// Other accounts of the organization: (id, seed).
    others: Vec<(String, u64)>,
    users: usize,
    roles: usize,
    groups: usize,
    /// Team count (dev + readonly group per team).
    teams: usize,
    customer: usize,
    pol_cat: Vec<PolCat>,
    by_cat: Vec<Vec<usize>>,
    roles_by_kind: HashMap<u8, Vec<usize>>,
    aws: Vec<AwsPolicy>,
    aws_by_name: HashMap<String, usize>,
}

fn kind_key(k: RoleKind) -> u8 {
    k as u8
}

impl Plan {
    fn new(size: Size, seed: u64, acct: &str, others: Vec<(String, u64)>) -> Plan {
        let (users, roles, policies) = size.counts();
        let groups = (users / 20).max(6);
        let teams = (groups - 2) / 2;
        // the AWS managed pool: the common ones, then a seeded sample of the rest
        let all = managed::all();
        let mut aws: Vec<AwsPolicy> = managed::COMMON
            .iter()
            .filter_map(|n| all.iter().find(|p| p.name == *n).cloned())
            .collect();
        let target = size.aws_policies();
        let mut k = 0u64;
        while aws.len() < target && aws.len() < all.len() {
            let cand = &all[(hash3(seed, S_POOL, k) % all.len() as u64) as usize];
            k += 1;
            if !aws.iter().any(|p| p.arn == cand.arn) {
                aws.push(cand.clone());
            }
        }
        let aws_by_name = aws
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        let customer = policies.saturating_sub(aws.len()).max(8);
        let boundaries = (customer / 1000).max(2);
        let mut pol_cat = Vec::with_capacity(customer);
        for i in 0..customer {
            let c = if i < boundaries {
                PolCat::Boundary
            } else if i == boundaries {
                PolCat::EscLambda
            } else if i == boundaries + 1 {
                PolCat::EscAccessKey
            } else if i == boundaries + 2 {
                PolCat::EscSelfAttach
            } else {
                match hash3(seed, S_POLKIND, i as u64) % 100 {
                    0..=34 => PolCat::AppData,
                    35..=46 => PolCat::ServiceWide,
                    47..=61 => PolCat::Read,
                    62..=76 => PolCat::Deploy,
                    77..=82 => PolCat::Guardrail,
                    83..=85 => PolCat::Power,
                    86..=92 => PolCat::Assume,
                    _ => PolCat::Secrets,
                }
            };
            pol_cat.push(c);
        }
        let mut by_cat = vec![Vec::new(); CATS];
        for (i, c) in pol_cat.iter().enumerate() {
            by_cat[*c as usize].push(i);
        }
        let mut roles_by_kind: HashMap<u8, Vec<usize>> = HashMap::new();
        for j in 0..roles {
            roles_by_kind
                .entry(kind_key(role_kind(seed, j)))
                .or_default()
                .push(j);
        }
        Plan {
            seed,
            acct: acct.to_string(),
            others,
            users,
            roles,
            groups,
            teams,
            customer,
            pol_cat,
            by_cat,
            roles_by_kind,
            aws,
            aws_by_name,
        }
    }

    fn aws(&self, name: &str) -> Option<PRef> {
        self.aws_by_name.get(name).map(|&i| PRef::Aws(i))
    }

    fn pick_cat(&self, rng: &mut Rng, cat: PolCat) -> Option<PRef> {
        let list = &self.by_cat[cat as usize];
        if list.is_empty() {
            None
        } else {
            Some(PRef::Cust(*rng.pick(list)))
        }
    }

    fn policy_name(&self, i: usize) -> String {
        let (t, app) = team_app(self.seed, S_POLICY, i, self.teams);
        match self.pol_cat[i] {
            PolCat::Boundary => format!("boundary-{}-{i}", team_name(t)),
            c @ (PolCat::EscLambda | PolCat::EscAccessKey | PolCat::EscSelfAttach) => {
                format!("{}-{i}", c.slug())
            }
            c => format!("{}-{app}-{}-{i}", team_name(t), c.slug()),
        }
    }

    fn policy_path(&self, i: usize) -> String {
        if i % 4 == 1 {
            let (t, _) = team_app(self.seed, S_POLICY, i, self.teams);
            format!("/{}/", team_name(t))
        } else {
            "/".into()
        }
    }

    fn pref_arn(&self, p: PRef) -> (String, String) {
        match p {
            PRef::Cust(i) => {
                let name = self.policy_name(i);
                let arn = format!(
                    "arn:aws:iam::{}:policy{}{}",
                    self.acct,
                    self.policy_path(i),
                    name
                );
                (name, arn)
            }
            PRef::Aws(i) => (self.aws[i].name.clone(), self.aws[i].arn.clone()),
        }
    }

    fn attach(&self, refs: &[PRef], counts: &mut Option<&mut Vec<u64>>) -> Vec<AttachedPolicy> {
        let mut seen: Vec<PRef> = Vec::new();
        let mut out = Vec::new();
        for &r in refs {
            if seen.contains(&r) {
                continue;
            }
            seen.push(r);
            if let Some(c) = counts.as_deref_mut() {
                c[self.slot(r)] += 1;
            }
            let (name, arn) = self.pref_arn(r);
            out.push(AttachedPolicy {
                policy_name: Some(name),
                policy_arn: arn,
            });
        }
        out
    }

    fn slot(&self, r: PRef) -> usize {
        match r {
            PRef::Cust(i) => i,
            PRef::Aws(i) => self.customer + i,
        }
    }

    fn boundary(&self, rng: &mut Rng, counts: &mut Option<&mut Vec<u64>>) -> PermissionsBoundary {
        let r = self
            .pick_cat(rng, PolCat::Boundary)
            .unwrap_or(PRef::Cust(0));
        if let Some(c) = counts.as_deref_mut() {
            c[self.slot(r)] += 1 << 32; // boundary uses live in the high half
        }
        PermissionsBoundary {
            permissions_boundary_type: Some("Policy".into()),
            permissions_boundary_arn: self.pref_arn(r).1,
        }
    }

    fn group_name(&self, g: usize) -> String {
        match g {
            0 => "admins".into(),
            1 => "ci-deployers".into(),
            _ => {
                let t = (g - 2) / 2;
                if (g - 2).is_multiple_of(2) {
                    format!("{}-developers", team_name(t))
                } else {
                    format!("{}-readonly", team_name(t))
                }
            }
        }
    }

    fn role_arn(&self, j: usize) -> String {
        let (name, path) = role_name(self.seed, j, self.teams);
        format!("arn:aws:iam::{}:role{path}{name}", self.acct)
    }

    fn user_arn(&self, i: usize) -> String {
        format!(
            "arn:aws:iam::{}:user/{}",
            self.acct,
            user_name(self.seed, i, self.teams)
        )
    }

    fn some_role(&self, rng: &mut Rng, kind: RoleKind) -> Option<usize> {
        self.roles_by_kind
            .get(&kind_key(kind))
            .filter(|l| !l.is_empty())
            .map(|l| *rng.pick(l))
    }

    /// A role of `kind` in another account of the organization (its ARN).
    fn other_role(&self, rng: &mut Rng, kind: RoleKind) -> Option<String> {
        if self.others.is_empty() {
            return None;
        }
        let (acct, seed) = rng.pick(&self.others).clone();
        let start = rng.below(self.roles);
        (0..self.roles.min(5000))
            .map(|d| (start + d) % self.roles)
            .find(|&j| role_kind(seed, j) == kind)
            .map(|j| {
                let (name, path) = role_name(seed, j, self.teams);
                format!("arn:aws:iam::{acct}:role{path}{name}")
            })
    }
}

// ---------------------------------------------------------------------------------------------
// policy documents

fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

struct Ctx<'a> {
    plan: &'a Plan,
    team: String,
    app: &'static str,
}

impl Ctx<'_> {
    fn acct(&self) -> &str {
        &self.plan.acct
    }
}

fn sid(rng: &mut Rng, base: &str) -> String {
    format!("{base}{}", rng.below(1000))
}

fn st_app_data(rng: &mut Rng, c: &Ctx) -> Value {
    let env = rng.pick(ENVS);
    let region = rng.pick(REGIONS);
    let buckets: Vec<String> = (0..rng.between(1, 3))
        .map(|k| {
            format!(
                "{}-{}-{}-{}",
                c.team,
                c.app,
                if k == 0 { env } else { ENVS[k % 3] },
                c.acct()
            )
        })
        .collect();
    let mut s = vec![
        json!({"Sid": sid(rng, "ObjectAccess"), "Effect": "Allow",
               "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectVersion"],
               "Resource": buckets.iter().map(|b| format!("arn:aws:s3:::{b}/*")).collect::<Vec<_>>()}),
        json!({"Sid": sid(rng, "BucketList"), "Effect": "Allow",
               "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
               "Resource": buckets.iter().map(|b| format!("arn:aws:s3:::{b}")).collect::<Vec<_>>()}),
    ];
    if rng.percent(60) {
        let table = format!(
            "arn:aws:dynamodb:{region}:{}:table/{}-{}",
            c.acct(),
            c.team,
            c.app
        );
        s.push(json!({"Sid": sid(rng, "Table"), "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                       "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"],
            "Resource": [table.clone(), format!("{table}/index/*")]}));
    }
    if rng.percent(40) {
        s.push(json!({"Effect": "Allow",
            "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": format!("arn:aws:sqs:{region}:{}:{}-{}-*", c.acct(), c.team, c.app)}));
    }
    if rng.percent(25) {
        s.push(json!({"Effect": "Allow", "Action": "sns:Publish",
            "Resource": format!("arn:aws:sns:{region}:{}:{}-events", c.acct(), c.team)}));
    }
    Value::Array(s)
}

fn st_service_wide(rng: &mut Rng, _c: &Ctx) -> Value {
    let n = rng.between(1, 3);
    let actions: Vec<String> = (0..n)
        .map(|_| format!("{}:*", rng.pick(WILDCARD_SERVICES)))
        .collect();
    if rng.percent(40) {
        json!({"Sid": sid(rng, "ServiceAdmin"), "Effect": "Allow", "Action": actions, "Resource": "*",
               "Condition": {"StringEquals": {"aws:RequestedRegion": [rng.pick(REGIONS), rng.pick(REGIONS)]}}})
    } else {
        json!({"Sid": sid(rng, "ServiceAdmin"), "Effect": "Allow", "Action": actions, "Resource": "*"})
    }
}

fn st_read(rng: &mut Rng, _c: &Ctx) -> Value {
    let n = rng.between(2, 6);
    let mut actions = Vec::new();
    for _ in 0..n {
        let s = rng.pick(WILDCARD_SERVICES);
        actions.push(format!("{s}:Describe*"));
        actions.push(format!("{s}:Get*"));
        actions.push(format!("{s}:List*"));
    }
    json!({"Sid": sid(rng, "Read"), "Effect": "Allow", "Action": actions, "Resource": "*"})
}

fn st_deploy(rng: &mut Rng, c: &Ctx) -> Value {
    let region = rng.pick(REGIONS);
    let a = c.acct();
    let mut s = vec![
        json!({"Sid": "DeployFunctions", "Effect": "Allow",
               "Action": ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion",
                          "lambda:GetFunction", "lambda:UpdateAlias"],
               "Resource": format!("arn:aws:lambda:{region}:{a}:function:{}-{}-*", c.team, c.app)}),
        json!({"Sid": "PushImages", "Effect": "Allow",
               "Action": ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                          "ecr:CompleteLayerUpload", "ecr:PutImage"],
               "Resource": format!("arn:aws:ecr:{region}:{a}:repository/{}/{}", c.team, c.app)}),
        json!({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}),
        json!({"Sid": "Stacks", "Effect": "Allow", "Action": "cloudformation:*",
               "Resource": format!("arn:aws:cloudformation:{region}:{a}:stack/{}-*/*", c.team)}),
    ];
    if rng.percent(70) {
        s.push(json!({"Sid": "PassServiceRoles", "Effect": "Allow", "Action": "iam:PassRole",
            "Resource": format!("arn:aws:iam::{a}:role/svc-{}-*", c.team),
            "Condition": {"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"]}}}));
    }
    if rng.percent(40) {
        s.push(
            json!({"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": format!("arn:aws:s3:::build-artifacts-{a}/{}/*", c.team)}),
        );
    }
    Value::Array(s)
}

fn st_guardrail(rng: &mut Rng, _c: &Ctx) -> Value {
    let mut s = Vec::new();
    if rng.percent(60) {
        s.push(json!({"Sid": "DenyWithoutMFA", "Effect": "Deny",
            "NotAction": ["iam:ChangePassword", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice",
                          "iam:GetUser", "iam:ListMFADevices", "iam:ListVirtualMFADevices",
                          "iam:ResyncMFADevice", "sts:GetSessionToken"],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}));
    } else {
        let a = rng.below(200) + 10;
        s.push(json!({"Sid": "DenyOutsideOffice", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": [format!("192.0.2.0/24"), format!("203.0.{a}.0/24")]},
                          "Bool": {"aws:ViaAWSService": "false"}}}));
    }
    if rng.percent(50) {
        s.push(json!({"Sid": "DenyDestroy", "Effect": "Deny",
            "Action": ["s3:DeleteBucket", "dynamodb:DeleteTable", "rds:DeleteDBInstance", "rds:DeleteDBCluster",
                       "ec2:TerminateInstances", "kms:ScheduleKeyDeletion"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalTag/break-glass": "true"}}}));
    }
    Value::Array(s)
}

fn st_tag_scoped(rng: &mut Rng, c: &Ctx) -> Value {
    json!({"Sid": sid(rng, "OwnInstances"), "Effect": "Allow",
           "Action": ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances", "ec2:TerminateInstances"],
           "Resource": format!("arn:aws:ec2:*:{}:instance/*", c.acct()),
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}})
}

fn st_power(rng: &mut Rng, _c: &Ctx) -> Value {
    json!({"Sid": sid(rng, "AllButIam"), "Effect": "Allow",
           "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"})
}

fn st_assume(rng: &mut Rng, c: &Ctx) -> Value {
    let mut res = vec![format!("arn:aws:iam::{}:role/{}-*", c.acct(), c.team)];
    if let Some(other) = c.plan.other_role(rng, RoleKind::CrossAccount) {
        res.push(other);
    }
    json!({"Sid": "AssumeTeamRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": res})
}

fn st_secrets(rng: &mut Rng, c: &Ctx) -> Value {
    let region = rng.pick(REGIONS);
    let key = format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        rng.next_u64() as u32,
        rng.next_u64() as u16,
        rng.next_u64() as u16,
        rng.next_u64() as u16,
        rng.next_u64() & 0xffff_ffff_ffff
    );
    json!([
        {"Sid": "ReadSecrets", "Effect": "Allow",
         "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
         "Resource": format!("arn:aws:secretsmanager:{region}:{}:secret:{}/{}/*", c.acct(), c.team, c.app)},
        {"Sid": "DecryptViaSecrets", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
         "Resource": format!("arn:aws:kms:{region}:{}:key/{key}", c.acct()),
         "Condition": {"StringEquals": {"kms:ViaService": format!("secretsmanager.{region}.amazonaws.com")}}}
    ])
}

fn st_boundary(_rng: &mut Rng, _c: &Ctx) -> Value {
    json!([
        {"Sid": "Workloads", "Effect": "Allow",
         "Action": ["s3:*", "dynamodb:*", "lambda:*", "logs:*", "cloudwatch:*", "sqs:*", "sns:*", "ecr:*",
                    "ecs:*", "xray:*", "kms:Decrypt", "kms:GenerateDataKey", "secretsmanager:GetSecretValue",
                    "ssm:GetParameter*", "ec2:Describe*", "ec2:StartInstances", "ec2:StopInstances",
                    "cloudformation:*", "iam:PassRole", "iam:Get*", "iam:List*", "sts:AssumeRole"],
         "Resource": "*"},
        {"Sid": "NoIdentityChanges", "Effect": "Deny",
         "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:Attach*", "iam:Put*Policy",
                    "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeleteRolePermissionsBoundary",
                    "iam:DeleteUserPermissionsBoundary", "organizations:*"],
         "Resource": "*"}
    ])
}

fn flatten(parts: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::new();
    for p in parts {
        match p {
            Value::Array(v) => out.extend(v),
            v => out.push(v),
        }
    }
    out
}

fn policy_document(rng: &mut Rng, c: &Ctx, cat: PolCat) -> Value {
    let mut parts = Vec::new();
    match cat {
        PolCat::Boundary => parts.push(st_boundary(rng, c)),
        PolCat::EscLambda => {
            parts.push(json!({"Sid": "DeployAnyFunction", "Effect": "Allow",
                "Action": ["lambda:CreateFunction", "lambda:InvokeFunction", "lambda:GetFunction"], "Resource": "*"}));
            parts.push(json!({"Sid": "PassAnyRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}));
        }
        PolCat::EscAccessKey => parts.push(json!({"Sid": "RotateKeys", "Effect": "Allow",
            "Action": ["iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:ListAccessKeys", "iam:DeleteAccessKey"],
            "Resource": "*"})),
        PolCat::EscSelfAttach => parts.push(json!({"Sid": "ManageOwnPolicies", "Effect": "Allow",
            "Action": ["iam:AttachUserPolicy", "iam:DetachUserPolicy", "iam:ListAttachedUserPolicies"],
            "Resource": format!("arn:aws:iam::{}:user/${{aws:username}}", c.acct())})),
        PolCat::AppData => {
            parts.push(st_app_data(rng, c));
            if rng.percent(40) {
                parts.push(st_secrets(rng, c));
            }
            if rng.percent(20) {
                parts.push(st_tag_scoped(rng, c));
            }
        }
        PolCat::ServiceWide => {
            for _ in 0..rng.between(1, 2) {
                parts.push(st_service_wide(rng, c));
            }
            if rng.percent(30) {
                parts.push(st_read(rng, c));
            }
        }
        PolCat::Read => {
            for _ in 0..rng.between(1, 3) {
                parts.push(st_read(rng, c));
            }
        }
        PolCat::Deploy => {
            parts.push(st_deploy(rng, c));
            if rng.percent(30) {
                parts.push(st_assume(rng, c));
            }
        }
        PolCat::Guardrail => parts.push(st_guardrail(rng, c)),
        PolCat::Power => {
            parts.push(st_power(rng, c));
            if rng.percent(50) {
                parts.push(st_guardrail(rng, c));
            }
        }
        PolCat::Assume => parts.push(st_assume(rng, c)),
        PolCat::Secrets => parts.push(st_secrets(rng, c)),
    }
    doc(flatten(parts))
}

fn inline(rng: &mut Rng, c: &Ctx) -> InlinePolicy {
    let (name, cat) = match rng.below(5) {
        0 => ("data-access", PolCat::AppData),
        1 => ("read-extra", PolCat::Read),
        2 => ("secrets", PolCat::Secrets),
        3 => ("team-guardrail", PolCat::Guardrail),
        _ => ("ops", PolCat::ServiceWide),
    };
    InlinePolicy {
        policy_name: format!("{}-{name}", c.app),
        policy_document: PolicyDocument(policy_document(rng, c, cat)),
    }
}

// ---------------------------------------------------------------------------------------------
// principals

fn date(rng: &mut Rng) -> String {
    format!(
        "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        rng.between(15, 25),
        rng.between(1, 12),
        rng.between(1, 28),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )
}

fn id(rng: &mut Rng, prefix: &str) -> String {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut s = String::from(prefix);
    for _ in 0..17 {
        s.push(ALPHA[rng.below(ALPHA.len())] as char);
    }
    s
}

fn tag(k: &str, v: &str) -> Tag {
    Tag {
        key: k.into(),
        value: v.into(),
    }
}

fn build_user(p: &Plan, i: usize, counts: &mut Option<&mut Vec<u64>>) -> UserDetail {
    let mut rng = Rng::for_entity(p.seed, S_USER, i as u64);
    let (t, app) = team_app(p.seed, S_USER, i, p.teams);
    let team = team_name(t);
    let c = Ctx {
        plan: p,
        team: team.clone(),
        app,
    };
    let persona = persona(p.seed, i);
    let mut tags = vec![tag("team", &team)];
    let mut groups = Vec::new();
    let mut attached: Vec<PRef> = Vec::new();
    let mut inline_list = Vec::new();
    let mut boundary = None;
    let dev_group = |t: usize| 2 + 2 * t;
    match persona {
        Persona::Admin => {
            tags.push(tag("declared-role", "admin"));
            tags.push(tag("principal-kind", "human"));
            groups.push(0);
            if rng.percent(30) {
                attached.extend(p.aws("AdministratorAccess"));
            }
        }
        Persona::ReadOnly => {
            tags.push(tag("declared-role", "readonly"));
            tags.push(tag("principal-kind", "human"));
            groups.push(dev_group(t) + 1);
            if rng.percent(20) {
                attached.extend(p.aws("ReadOnlyAccess"));
            }
            if rng.percent(6) {
                // exceeds: write access to application data
                attached.extend(p.pick_cat(&mut rng, PolCat::AppData));
            }
        }
        Persona::Developer => {
            tags.push(tag("declared-role", "developer"));
            tags.push(tag("principal-kind", "human"));
            groups.push(dev_group(t));
            if rng.percent(20) {
                groups.push(dev_group(rng.below(p.teams)));
            }
            for _ in 0..rng.below(3) {
                let cat = *rng.pick(&[
                    PolCat::AppData,
                    PolCat::ServiceWide,
                    PolCat::Read,
                    PolCat::Assume,
                ]);
                attached.extend(p.pick_cat(&mut rng, cat));
            }
            match rng.below(100) {
                0..=3 => attached.extend(p.aws("AdministratorAccess")),
                4..=7 => attached.extend(p.aws("PowerUserAccess")),
                8..=9 => attached.extend(p.aws("IAMFullAccess")),
                _ => {}
            }
            if rng.percent(30) {
                boundary = Some(p.boundary(&mut rng, counts));
            }
        }
        Persona::Ci => {
            tags.push(tag("declared-role", "ci-deploy"));
            tags.push(tag("principal-kind", "agent"));
            groups.push(1);
            attached.extend(p.pick_cat(&mut rng, PolCat::Deploy));
            if rng.percent(50) {
                boundary = Some(p.boundary(&mut rng, counts));
            }
            if rng.percent(10) {
                attached.extend(p.aws("AmazonS3FullAccess"));
            }
        }
        Persona::Legacy => {
            if rng.percent(50) {
                groups.push(rng.below(p.groups));
            }
            for _ in 0..rng.between(1, 3) {
                let cat = *rng.pick(&[
                    PolCat::AppData,
                    PolCat::ServiceWide,
                    PolCat::Power,
                    PolCat::Read,
                ]);
                attached.extend(p.pick_cat(&mut rng, cat));
            }
        }
    }
    // the escalation paths the account must show
    if i % 97 == 13 {
        attached.extend(p.pick_cat(&mut rng, PolCat::EscLambda));
    }
    if i % 193 == 7 {
        attached.extend(p.pick_cat(&mut rng, PolCat::EscAccessKey));
    }
    if i % 211 == 5 {
        attached.extend(p.pick_cat(&mut rng, PolCat::EscSelfAttach));
    }
    if rng.percent(15) {
        inline_list.push(inline(&mut rng, &c));
    }
    if rng.percent(40) {
        tags.push(tag("cost-center", &format!("cc-{}", 1000 + t)));
    }
    let mut group_names: Vec<String> = groups
        .into_iter()
        .filter(|&g| g < p.groups)
        .map(|g| p.group_name(g))
        .collect();
    group_names.dedup();
    let user_id = id(&mut rng, "AIDA");
    let create = date(&mut rng);
    UserDetail {
        path: Some("/".into()),
        user_name: user_name(p.seed, i, p.teams),
        user_id: Some(user_id),
        arn: p.user_arn(i),
        create_date: Some(create),
        user_policy_list: inline_list,
        group_list: group_names,
        attached_managed_policies: p.attach(&attached, counts),
        permissions_boundary: boundary,
        tags,
    }
}

fn build_group(p: &Plan, g: usize, counts: &mut Option<&mut Vec<u64>>) -> GroupDetail {
    let mut rng = Rng::for_entity(p.seed, S_GROUP, g as u64);
    let t = g.saturating_sub(2) / 2;
    let c = Ctx {
        plan: p,
        team: team_name(t),
        app: "team",
    };
    let mut attached = Vec::new();
    let mut inline_list = Vec::new();
    match g {
        0 => {
            attached.extend(p.aws("AdministratorAccess"));
            attached.extend(p.pick_cat(&mut rng, PolCat::Guardrail));
        }
        1 => {
            attached.extend(p.pick_cat(&mut rng, PolCat::Deploy));
            attached.extend(p.aws("AmazonEC2ContainerRegistryPowerUser"));
        }
        _ if (g - 2).is_multiple_of(2) => {
            for _ in 0..rng.between(1, 3) {
                let cat = *rng.pick(&[
                    PolCat::AppData,
                    PolCat::ServiceWide,
                    PolCat::Read,
                    PolCat::Deploy,
                ]);
                attached.extend(p.pick_cat(&mut rng, cat));
            }
            attached.extend(p.pick_cat(&mut rng, PolCat::Guardrail));
            let extra = *rng.pick(&[
                "AmazonS3ReadOnlyAccess",
                "CloudWatchReadOnlyAccess",
                "AWSLambda_ReadOnlyAccess",
                "AmazonDynamoDBReadOnlyAccess",
            ]);
            attached.extend(p.aws(extra));
            attached.extend(p.pick_cat(&mut rng, PolCat::Assume));
        }
        _ => {
            let ro = *rng.pick(&["ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit"]);
            attached.extend(p.aws(ro));
            attached.extend(p.pick_cat(&mut rng, PolCat::Read));
        }
    }
    if rng.percent(30) {
        inline_list.push(inline(&mut rng, &c));
    }
    let group_id = id(&mut rng, "AGPA");
    let create = date(&mut rng);
    let name = p.group_name(g);
    GroupDetail {
        path: Some("/".into()),
        arn: format!("arn:aws:iam::{}:group/{name}", p.acct),
        group_name: name,
        group_id: Some(group_id),
        create_date: Some(create),
        group_policy_list: inline_list,
        attached_managed_policies: p.attach(&attached, counts),
    }
}

fn trust(statements: Vec<Value>) -> PolicyDocument {
    PolicyDocument(doc(statements))
}

fn trust_service(svc: &str, acct: &str, with_condition: bool) -> Value {
    if with_condition {
        json!({"Effect": "Allow", "Principal": {"Service": format!("{svc}.amazonaws.com")},
               "Action": "sts:AssumeRole",
               "Condition": {"StringEquals": {"aws:SourceAccount": acct}}})
    } else {
        json!({"Effect": "Allow", "Principal": {"Service": format!("{svc}.amazonaws.com")},
               "Action": "sts:AssumeRole"})
    }
}

fn build_role(p: &Plan, j: usize, counts: &mut Option<&mut Vec<u64>>) -> RoleDetail {
    let mut rng = Rng::for_entity(p.seed, S_ROLE, j as u64);
    let (t, app) = team_app(p.seed, S_ROLE, j, p.teams);
    let team = team_name(t);
    let c = Ctx {
        plan: p,
        team: team.clone(),
        app,
    };
    let (name, path) = role_name(p.seed, j, p.teams);
    let arn = format!("arn:aws:iam::{}:role{path}{name}", p.acct);
    let acct = p.acct.as_str();
    let mut tags = vec![tag("team", &team)];
    let mut attached: Vec<PRef> = Vec::new();
    let mut inline_list = Vec::new();
    let mut boundary = None;
    let mut profiles = Vec::new();
    let trust_doc;
    let kind = role_kind(p.seed, j);
    match kind {
        RoleKind::Service => {
            let svc = service_of(p.seed, j);
            trust_doc = trust(vec![trust_service(svc, acct, rng.percent(30))]);
            if rng.percent(70) {
                tags.push(tag("declared-role", "service"));
                tags.push(tag("principal-kind", "agent"));
            }
            for _ in 0..rng.between(1, 3) {
                attached.extend(p.pick_cat(&mut rng, PolCat::AppData));
            }
            match svc {
                "lambda" => attached.extend(p.aws("AWSLambdaBasicExecutionRole")),
                "ecs-tasks" => attached.extend(p.aws("AmazonECSTaskExecutionRolePolicy")),
                _ => attached.extend(p.aws("AmazonSSMManagedInstanceCore")),
            }
            if rng.percent(6) {
                let wide = *rng.pick(&[
                    "AmazonS3FullAccess",
                    "AmazonDynamoDBFullAccess",
                    "AmazonSQSFullAccess",
                ]);
                attached.extend(p.aws(wide));
            }
            if rng.percent(40) {
                inline_list.push(inline(&mut rng, &c));
            }
            if rng.percent(10) {
                boundary = Some(p.boundary(&mut rng, counts));
            }
        }
        RoleKind::Ci => {
            let sub = format!("repo:example-org/{team}-{app}:ref:refs/heads/main");
            let mut st = vec![json!({"Effect": "Allow",
                "Principal": {"Federated": format!("arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com")},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                              "StringLike": {"token.actions.githubusercontent.com:sub": sub}}})];
            if rng.percent(30) {
                // a CI user may also assume it
                let u = (0..p.users.min(400))
                    .map(|d| (j + d) % p.users)
                    .find(|&u| persona(p.seed, u) == Persona::Ci);
                if let Some(u) = u {
                    st.push(json!({"Effect": "Allow", "Principal": {"AWS": p.user_arn(u)}, "Action": "sts:AssumeRole"}));
                }
            }
            trust_doc = trust(st);
            tags.push(tag("declared-role", "ci-deploy"));
            tags.push(tag("principal-kind", "agent"));
            for _ in 0..rng.between(1, 2) {
                attached.extend(p.pick_cat(&mut rng, PolCat::Deploy));
            }
            if rng.percent(8) {
                attached.extend(p.aws("AdministratorAccess"));
            }
            if rng.percent(30) {
                inline_list.push(inline(&mut rng, &c));
            }
        }
        RoleKind::Human => {
            let level = human_level(p.seed, j);
            trust_doc = if rng.percent(60) {
                trust(vec![
                    json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{acct}:root")},
                    "Action": "sts:AssumeRole",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
                ])
            } else {
                trust(vec![json!({"Effect": "Allow",
                    "Principal": {"Federated": format!("arn:aws:iam::{acct}:saml-provider/Okta")},
                    "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                    "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}})])
            };
            tags.push(tag("declared-role", level));
            tags.push(tag("principal-kind", "human"));
            match level {
                "readonly" => {
                    attached.extend(p.aws("ReadOnlyAccess"));
                    if rng.percent(5) {
                        attached.extend(p.pick_cat(&mut rng, PolCat::ServiceWide));
                    }
                }
                "developer" => {
                    if rng.percent(25) {
                        attached.extend(p.aws("PowerUserAccess"));
                    }
                    for _ in 0..rng.between(1, 3) {
                        let cat = *rng.pick(&[
                            PolCat::AppData,
                            PolCat::ServiceWide,
                            PolCat::Read,
                            PolCat::Deploy,
                        ]);
                        attached.extend(p.pick_cat(&mut rng, cat));
                    }
                    attached.extend(p.pick_cat(&mut rng, PolCat::Guardrail));
                }
                _ => attached.extend(p.aws("AdministratorAccess")),
            }
            if rng.percent(20) {
                boundary = Some(p.boundary(&mut rng, counts));
            }
        }
        RoleKind::Agent => {
            let mut st = Vec::new();
            if let Some(h) = p.some_role(&mut rng, RoleKind::Human) {
                st.push(json!({"Effect": "Allow", "Principal": {"AWS": p.role_arn(h)}, "Action": ["sts:AssumeRole", "sts:TagSession"]}));
            }
            if rng.percent(30) || st.is_empty() {
                st.push(trust_service("bedrock", acct, true));
            }
            trust_doc = trust(st);
            let role = if rng.percent(60) {
                "developer"
            } else {
                "readonly"
            };
            tags.push(tag("declared-role", role));
            tags.push(tag("principal-kind", "agent"));
            for _ in 0..rng.between(1, 3) {
                let cat = *rng.pick(&[
                    PolCat::AppData,
                    PolCat::Read,
                    PolCat::Deploy,
                    PolCat::Assume,
                ]);
                attached.extend(p.pick_cat(&mut rng, cat));
            }
            match rng.below(100) {
                0..=9 => attached.extend(p.aws("PowerUserAccess")),
                10..=14 => attached.extend(p.aws("IAMFullAccess")),
                15..=19 => attached.extend(p.aws("AmazonBedrockFullAccess")),
                _ => {}
            }
            if rng.percent(25) {
                boundary = Some(p.boundary(&mut rng, counts));
            }
        }
        RoleKind::CrossAccount => {
            let principal = match p.other_role(&mut rng, RoleKind::CrossAccount) {
                Some(other) if rng.percent(70) => other,
                Some(_) => format!(
                    "arn:aws:iam::{}:root",
                    p.others[rng.below(p.others.len())].0
                ),
                None => format!(
                    "arn:aws:iam::{:012}:root",
                    900_000_000_000u64 + rng.below(1000) as u64
                ),
            };
            trust_doc = trust(vec![
                json!({"Effect": "Allow", "Principal": {"AWS": principal},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": format!("ext-{}", rng.next_u64() % 1_000_000)}}}),
            ]);
            let ro = *rng.pick(&["SecurityAudit", "ReadOnlyAccess", "ViewOnlyAccess"]);
            attached.extend(p.aws(ro));
            if rng.percent(50) {
                tags.push(tag("declared-role", "readonly"));
                tags.push(tag("principal-kind", "agent"));
            }
        }
        RoleKind::ServiceLinked => {
            let svc = LINKED[j % LINKED.len()];
            trust_doc = trust(vec![
                json!({"Effect": "Allow", "Principal": {"Service": format!("{svc}.amazonaws.com")}, "Action": "sts:AssumeRole"}),
            ]);
            // spreads the AWS managed pool over the account
            let k = (hash3(p.seed, S_POOL + 1, j as u64) % p.aws.len().max(1) as u64) as usize;
            attached.push(PRef::Aws(k));
        }
        RoleKind::LambdaAdmin => {
            trust_doc = trust(vec![trust_service("lambda", acct, false)]);
            tags.push(tag("declared-role", "service"));
            tags.push(tag("principal-kind", "agent"));
            attached.extend(p.aws("AdministratorAccess"));
        }
        RoleKind::Anyone => {
            trust_doc = if j.is_multiple_of(2) {
                trust(vec![
                    json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
                ])
            } else {
                trust(vec![
                    json!({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg1"}}}),
                ])
            };
            attached.extend(p.pick_cat(&mut rng, PolCat::Read));
        }
    }
    if kind == RoleKind::Service && service_of(p.seed, j) == "ec2" {
        let ip_id = id(&mut rng, "AIPA");
        let role_id = id(&mut rng, "AROA");
        let d = date(&mut rng);
        profiles.push(InstanceProfile {
            path: Some("/".into()),
            instance_profile_name: name.clone(),
            instance_profile_id: Some(ip_id),
            arn: format!("arn:aws:iam::{acct}:instance-profile/{name}"),
            create_date: Some(d.clone()),
            roles: vec![InstanceProfileRole {
                path: Some(path.clone()),
                role_name: name.clone(),
                role_id: Some(role_id),
                arn: arn.clone(),
                create_date: Some(d),
                assume_role_policy_document: Some(trust_doc.clone()),
                description: None,
                max_session_duration: None,
            }],
            tags: Vec::new(),
        });
    }
    let role_id = id(&mut rng, "AROA");
    let create = date(&mut rng);
    let last_used = if rng.percent(70) {
        Some(RoleLastUsed {
            last_used_date: Some(date(&mut rng)),
            region: Some(rng.pick(REGIONS).to_string()),
        })
    } else {
        None
    };
    RoleDetail {
        path: Some(path),
        role_name: name,
        role_id: Some(role_id),
        arn,
        create_date: Some(create),
        assume_role_policy_document: Some(trust_doc),
        instance_profile_list: profiles,
        role_policy_list: inline_list,
        attached_managed_policies: p.attach(&attached, counts),
        permissions_boundary: boundary,
        tags,
        role_last_used: last_used,
    }
}

fn build_customer_policy(p: &Plan, i: usize, count: u64) -> ManagedPolicyDetail {
    let mut rng = Rng::for_entity(p.seed, S_POLICY, i as u64);
    let (t, app) = team_app(p.seed, S_POLICY, i, p.teams);
    let c = Ctx {
        plan: p,
        team: team_name(t),
        app,
    };
    let versions = match rng.below(100) {
        0..=49 => 1,
        50..=74 => 2,
        _ => rng.between(3, 5),
    };
    let created = date(&mut rng);
    let mut list = Vec::with_capacity(versions);
    let mut updated = created.clone();
    for v in (1..=versions).rev() {
        let d = if v == 1 {
            created.clone()
        } else {
            date(&mut rng)
        };
        if v == versions {
            updated = d.clone();
        }
        list.push(PolicyVersion {
            document: Some(PolicyDocument(policy_document(&mut rng, &c, p.pol_cat[i]))),
            version_id: Some(format!("v{v}")),
            is_default_version: v == versions,
            create_date: Some(d),
        });
    }
    let name = p.policy_name(i);
    let path = p.policy_path(i);
    ManagedPolicyDetail {
        arn: format!("arn:aws:iam::{}:policy{path}{name}", p.acct),
        policy_name: Some(name),
        policy_id: Some(id(&mut rng, "ANPA")),
        path: Some(path),
        default_version_id: Some(format!("v{versions}")),
        attachment_count: Some((count & 0xffff_ffff) as i64),
        permissions_boundary_usage_count: Some((count >> 32) as i64),
        is_attachable: Some(true),
        description: None,
        create_date: Some(created),
        update_date: Some(updated),
        policy_version_list: list,
    }
}

fn build_aws_policy(p: &Plan, k: usize, count: u64) -> ManagedPolicyDetail {
    let a = &p.aws[k];
    let mut rng = Rng::for_entity(p.seed, S_POLICY + 1000, k as u64);
    let updated = a.updated.clone().map(|u| u.replace(".000Z", "Z"));
    ManagedPolicyDetail {
        policy_name: Some(a.name.clone()),
        policy_id: Some(id(&mut rng, "ANPA")),
        arn: a.arn.clone(),
        path: Some(a.path()),
        default_version_id: Some(a.version.clone()),
        attachment_count: Some((count & 0xffff_ffff) as i64),
        permissions_boundary_usage_count: Some((count >> 32) as i64),
        is_attachable: Some(true),
        description: None,
        create_date: Some("2015-02-06T18:39:46Z".into()),
        update_date: updated.clone(),
        policy_version_list: vec![PolicyVersion {
            document: Some(PolicyDocument(a.document.clone())),
            version_id: Some(a.version.clone()),
            is_default_version: true,
            create_date: updated,
        }],
    }
}

// ---------------------------------------------------------------------------------------------
// output

/// Counts bytes going to the writer.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes JSON lists of entities, pretty-printed with four spaces at the right depth.
struct ListWriter<W> {
    out: Counting<W>,
    buf: Vec<u8>,
    first_list: bool,
    first_item: bool,
}

impl<W: Write> ListWriter<W> {
    fn begin_list(&mut self, key: &str) -> io::Result<()> {
        let sep = if self.first_list { "{\n" } else { ",\n" };
        self.first_list = false;
        self.first_item = true;
        write!(self.out, "{sep}    \"{key}\": [")
    }

    fn item<T: Serialize>(&mut self, value: &T) -> io::Result<()> {
        self.buf.clear();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut self.buf, fmt);
        value.serialize(&mut ser).map_err(io::Error::other)?;
        self.out
            .write_all(if self.first_item { b"\n" } else { b",\n" })?;
        self.first_item = false;
        for (n, line) in self.buf.split(|&b| b == b'\n').enumerate() {
            if n > 0 {
                self.out.write_all(b"\n")?;
            }
            self.out.write_all(b"        ")?;
            self.out.write_all(line)?;
        }
        Ok(())
    }

    fn end_list(&mut self) -> io::Result<()> {
        if self.first_item {
            self.out.write_all(b"]")
        } else {
            self.out.write_all(b"\n    ]")
        }
    }

    fn finish(mut self) -> io::Result<u64> {
        self.out.write_all(b"\n}\n")?;
        self.out.flush()?;
        Ok(self.out.bytes)
    }
}

/// One account to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The size preset.
    pub size: Size,
    /// The seed.
    pub seed: u64,
    /// This account's id.
    pub account_id: String,
    /// Other accounts of the organization (id, seed), for cross-account trust.
    pub others: Vec<(String, u64)>,
}

/// Writes one account's `get-account-authorization-details` JSON to `out`.
pub fn generate<W: Write>(spec: &Spec, out: W) -> io::Result<Stats> {
    let plan = Plan::new(spec.size, spec.seed, &spec.account_id, spec.others.clone());
    // pass 1: attachment counts
    let mut counts = vec![0u64; plan.customer + plan.aws.len()];
    {
        let mut c = Some(&mut counts);
        for i in 0..plan.users {
            build_user(&plan, i, &mut c);
        }
        for g in 0..plan.groups {
            build_group(&plan, g, &mut c);
        }
        for j in 0..plan.roles {
            build_role(&plan, j, &mut c);
        }
    }
    // pass 2: write
    let mut w = ListWriter {
        out: Counting {
            inner: out,
            bytes: 0,
        },
        buf: Vec::with_capacity(1 << 16),
        first_list: true,
        first_item: true,
    };
    let mut stats = Stats::default();
    let mut none = None;
    w.begin_list("UserDetailList")?;
    for i in 0..plan.users {
        w.item(&build_user(&plan, i, &mut none))?;
        stats.users += 1;
    }
    w.end_list()?;
    w.begin_list("GroupDetailList")?;
    for g in 0..plan.groups {
        w.item(&build_group(&plan, g, &mut none))?;
        stats.groups += 1;
    }
    w.end_list()?;
    w.begin_list("RoleDetailList")?;
    for j in 0..plan.roles {
        w.item(&build_role(&plan, j, &mut none))?;
        stats.roles += 1;
    }
    w.end_list()?;
    w.begin_list("Policies")?;
    for (i, &count) in counts.iter().enumerate().take(plan.customer) {
        w.item(&build_customer_policy(&plan, i, count))?;
        stats.customer_policies += 1;
    }
    for k in 0..plan.aws.len() {
        let count = counts[plan.customer + k];
        if count == 0 {
            continue;
        }
        w.item(&build_aws_policy(&plan, k, count))?;
        stats.aws_policies += 1;
    }
    w.end_list()?;
    stats.bytes = w.finish()?;
    Ok(stats)
}

/// The `overreach.toml` declaring the roles generated accounts use (the same for every size
/// and account: ARNs use `*` for the account).
pub fn config_toml() -> String {
    CONFIG.to_string()
}

const CONFIG: &str = r#"# overreach.toml for accounts written by `gen-account` (crates/overreach-bench).
# The same file serves every size and every account of organization mode.

[tags]
role = "declared-role"
kind = "principal-kind"

[roles.readonly]
description = "Read-only access for people, auditors and observing agents"
kind = "any"
access_levels = ["List", "Read"]

[roles.developer]
description = "Builds and runs the team's workloads; no identity administration"
kind = "any"
access_levels = ["List", "Read"]
allow = [
  { actions = ["s3:*", "dynamodb:*", "lambda:*", "logs:*", "cloudwatch:*", "sqs:*", "sns:*", "ecr:*", "ecs:*",
               "xray:*", "states:*", "events:*", "cloudformation:*", "ec2:StartInstances", "ec2:StopInstances",
               "ec2:RebootInstances", "secretsmanager:GetSecretValue", "kms:Decrypt", "kms:GenerateDataKey",
               "sts:AssumeRole", "sts:TagSession"] },
]

[roles.admin]
description = "Account administrators (humans, with MFA)"
kind = "human"
policies = ["arn:aws:iam::aws:policy/AdministratorAccess"]

[roles.ci-deploy]
description = "CI pipelines: deploy functions, images and stacks; pass only service roles"
kind = "agent"
access_levels = ["List"]
allow = [
  { actions = ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion",
               "lambda:GetFunction", "lambda:UpdateAlias", "ecr:*", "cloudformation:*", "s3:PutObject", "s3:GetObject",
               "sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"] },
  { actions = ["iam:PassRole"], resources = ["arn:aws:iam::*:role/svc-*"] },
]

[roles.service]
description = "Workloads (lambda, ECS tasks, EC2): their own data, logs and secrets"
kind = "agent"
allow = [
  { actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectVersion", "s3:ListBucket",
               "s3:GetBucketLocation", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
               "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem",
               "dynamodb:BatchWriteItem", "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
               "sqs:GetQueueAttributes", "sns:Publish", "logs:CreateLogGroup", "logs:CreateLogStream",
               "logs:PutLogEvents", "kms:Decrypt", "kms:GenerateDataKey", "secretsmanager:GetSecretValue",
               "secretsmanager:DescribeSecret", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
               "ssm:GetParameter", "ssm:GetParameters", "ecr:GetAuthorizationToken", "ecr:BatchGetImage",
               "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ssmmessages:*", "ec2messages:*"] },
]

[[assign]]
principal = "arn:aws:iam::*:role/svc-*"
role = "service"
kind = "agent"

[[assign]]
principal = "arn:aws:iam::*:role/ci/ci-*"
role = "ci-deploy"
kind = "agent"

[[assign]]
principal = "arn:aws:iam::*:user/ci-*"
role = "ci-deploy"
kind = "agent"
"#;
