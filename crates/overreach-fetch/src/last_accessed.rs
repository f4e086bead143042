//! Service last-accessed data (IAM access advisor), action-level where AWS tracks it.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{AccessAdvisorUsageGranularityType, JobStatusType};
use overreach_snapshot::{
    ActionLastAccessed, FetchErrorKind, PrincipalLastAccessed, ServiceLastAccessed,
};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::convert;
use crate::pages::Markers;
use crate::record::{Call, Recorder};

/// How to wait for the access advisor jobs.
#[derive(Debug, Clone, Copy)]
pub struct PollConfig {
    /// Time between two polls of one job.
    pub interval: Duration,
    /// Give up on a job after this long (recorded as failed).
    pub timeout: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(300),
        }
    }
}

/// Generates and collects last-accessed data for every principal ARN, `concurrency` at a time.
pub(crate) async fn last_accessed(
    client: &Client,
    recorder: &Recorder,
    arns: Vec<String>,
    concurrency: usize,
    poll: PollConfig,
) -> Vec<PrincipalLastAccessed> {
    let total = arns.len();
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for (index, arn) in arns.into_iter().enumerate() {
        let client = client.clone();
        let recorder = recorder.clone();
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.ok();
            (index, principal(&client, &recorder, arn, poll).await)
        });
    }
    let mut done = Vec::with_capacity(total);
    let mut finished = 0usize;
    while let Some(joined) = tasks.join_next().await {
        finished += 1;
        match joined {
            Ok((index, Some(result))) => done.push((index, result)),
            Ok((_, None)) => {}
            Err(err) => recorder.record(Call::new("last accessed", "", "").error(
                FetchErrorKind::Failed,
                format!("internal error: a task ended abnormally: {err}"),
            )),
        }
        recorder.progress(&format!("last accessed: {finished}/{total} principals"));
    }
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, p)| p).collect()
}

async fn principal(
    client: &Client,
    recorder: &Recorder,
    arn: String,
    poll: PollConfig,
) -> Option<PrincipalLastAccessed> {
    const GENERATE: &str = "GenerateServiceLastAccessedDetails";
    const GET: &str = "GetServiceLastAccessedDetails";
    let job_id = match client
        .generate_service_last_accessed_details()
        .arn(&arn)
        .granularity(AccessAdvisorUsageGranularityType::ActionLevel)
        .send()
        .await
    {
        Ok(out) => out.job_id()?.to_owned(),
        Err(err) => {
            recorder.record_sdk(
                Call::new(GENERATE, "iam:GenerateServiceLastAccessedDetails", &arn),
                &err,
            );
            return None;
        }
    };
    let call = Call::new(GET, "iam:GetServiceLastAccessedDetails", &arn);
    let started = tokio::time::Instant::now();
    let mut services = Vec::new();
    let mut marker: Option<String> = None;
    let mut markers = Markers::default();
    loop {
        let result = client
            .get_service_last_accessed_details()
            .job_id(&job_id)
            .set_marker(marker.clone())
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(err) => {
                recorder.record_sdk(call, &err);
                return None;
            }
        };
        match out.job_status() {
            JobStatusType::Completed => {}
            JobStatusType::Failed => {
                let message = out
                    .error()
                    .map(|e| format!("{}: {}", e.code(), e.message()))
                    .unwrap_or_else(|| "the job failed".to_owned());
                recorder.record(call.error(FetchErrorKind::Failed, message));
                return None;
            }
            _ => {
                if started.elapsed() > poll.timeout {
                    recorder.record(call.error(
                        FetchErrorKind::Failed,
                        format!(
                            "the job did not complete within {} s",
                            poll.timeout.as_secs()
                        ),
                    ));
                    return None;
                }
                tokio::time::sleep(poll.interval).await;
                continue;
            }
        }
        services.extend(out.services_last_accessed().iter().map(|s| {
            ServiceLastAccessed {
                service_namespace: s.service_namespace().to_owned(),
                service_name: Some(s.service_name().to_owned()),
                last_authenticated: convert::opt_date(s.last_authenticated()),
                last_authenticated_entity: s.last_authenticated_entity().map(str::to_owned),
                last_authenticated_region: s.last_authenticated_region().map(str::to_owned),
                total_authenticated_entities: s.total_authenticated_entities(),
                actions: s
                    .tracked_actions_last_accessed()
                    .iter()
                    .filter_map(|a| {
                        Some(ActionLastAccessed {
                            action_name: a.action_name()?.to_owned(),
                            last_accessed: convert::opt_date(a.last_accessed_time()),
                            last_accessed_entity: a.last_accessed_entity().map(str::to_owned),
                            last_accessed_region: a.last_accessed_region().map(str::to_owned),
                        })
                    })
                    .collect(),
            }
        }));
        match markers.next(out.is_truncated(), out.marker()) {
            Ok(Some(next)) => marker = Some(next),
            Ok(None) => break,
            Err(stop) => {
                // Services missing from an incomplete list would look unused: drop it all.
                recorder.record(call.error(FetchErrorKind::Failed, stop.to_string()));
                return None;
            }
        }
    }
    Some(PrincipalLastAccessed { arn, services })
}
