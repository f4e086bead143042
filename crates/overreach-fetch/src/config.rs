//! Credentials, region, endpoint and retries: building the SDK configuration the AWS way.

use std::time::Duration;

use aws_config::retry::{RetryConfig, RetryMode};
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::config::{Credentials, ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_http_client::tls;

/// Where and as whom to connect. `Default` is the standard AWS provider chain.
#[derive(Debug, Clone)]
pub struct AwsOptions {
    /// A named profile of the shared config files (`--profile`).
    pub profile: Option<String>,
    /// The region (`--region`); IAM is global, so `us-east-1` when none is configured.
    pub region: Option<String>,
    /// A role to assume before fetching (`--role-arn`), e.g. into the target account.
    pub role_arn: Option<String>,
    /// The external id the role's trust policy requires (`--external-id`).
    pub external_id: Option<String>,
    /// An IAM-compatible endpoint used for every service (`--endpoint-url`).
    pub endpoint_url: Option<String>,
    /// Attempts per call, first one included (`--max-attempts`).
    pub max_attempts: u32,
    /// The first retry backoff; it grows exponentially with jitter, up to 20 times this.
    pub initial_backoff: Duration,
    /// Adaptive (the default: after throttling, the client also slows its request rate) or
    /// standard (backoff only).
    pub retry_mode: RetryMode,
    /// Explicit credentials instead of the provider chain (for tests and embedding).
    pub credentials: Option<Credentials>,
    /// How long one attempt of a call may take before it is abandoned (and retried, like a
    /// throttled call): [`DEFAULT_ATTEMPT_TIMEOUT`] unless set (`--attempt-timeout-secs`). A
    /// call that times out on every attempt is recorded as failed, so one call costs at most
    /// `max_attempts` times this plus the backoffs.
    pub attempt_timeout: Duration,
}

/// The default of [`AwsOptions::attempt_timeout`]: far above the few seconds of the largest
/// GetAccountAuthorizationDetails page, so only a hung connection reaches it.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

impl Default for AwsOptions {
    fn default() -> Self {
        AwsOptions {
            profile: None,
            region: None,
            role_arn: None,
            external_id: None,
            endpoint_url: None,
            max_attempts: 5,
            initial_backoff: Duration::from_secs(1),
            retry_mode: RetryMode::Adaptive,
            credentials: None,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
        }
    }
}

/// The session name of every role overreach assumes (visible in CloudTrail).
pub const SESSION_NAME: &str = "overreach-fetch";

/// Loads the SDK configuration: provider chain (env, shared files, `--profile`, SSO, web
/// identity, container and instance metadata), then `--role-arn` on top when given.
///
/// Uses rustls with ring as the HTTP client and adaptive retries.
pub async fn load_sdk_config(options: &AwsOptions) -> SdkConfig {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let retry = match options.retry_mode {
        RetryMode::Standard => RetryConfig::standard(),
        _ => RetryConfig::adaptive(),
    };
    let retry = retry
        .with_max_attempts(options.max_attempts.max(1))
        .with_initial_backoff(options.initial_backoff)
        .with_max_backoff(options.initial_backoff.saturating_mul(20));
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(options.attempt_timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client)
        .retry_config(retry)
        .timeout_config(timeouts);
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(credentials) = &options.credentials {
        loader = loader.credentials_provider(credentials.clone());
    }
    let mut config = loader.load().await;
    if config.region().is_none() {
        config = config
            .into_builder()
            .region(Region::from_static("us-east-1"))
            .build();
    }
    match &options.role_arn {
        Some(role_arn) => assume_role(&config, role_arn, options.external_id.as_deref()).await,
        None => config,
    }
}

/// `base` with the credentials of `role_arn`, assumed with `base`'s credentials.
///
/// The role is assumed lazily, at the first call; see [`check_credentials`].
pub async fn assume_role(base: &SdkConfig, role_arn: &str, external_id: Option<&str>) -> SdkConfig {
    let mut builder = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name(SESSION_NAME)
        .configure(base);
    if let Some(external_id) = external_id {
        builder = builder.external_id(external_id);
    }
    let provider = builder.build().await;
    base.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

/// Resolves the credentials of `config` once (assuming a role if it has one), so that a
/// credentials problem is reported as such rather than as the failure of the first call.
pub async fn check_credentials(config: &SdkConfig) -> Result<(), String> {
    let Some(provider) = config.credentials_provider() else {
        return Err("no credentials provider is configured".to_owned());
    };
    provider
        .provide_credentials()
        .await
        .map(|_| ())
        .map_err(|e| aws_smithy_types::error::display::DisplayErrorContext(e).to_string())
}
