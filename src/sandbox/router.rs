//! Assembles the server: every emulator behind the shared gate, the admin API, persistence.
//!
//! Layering, outermost first:
//! 1. `persist` (whole app): after any request other than GET/HEAD/OPTIONS, what it changed
//!    is written to the state log, so a client that got an answer can rely on it being on
//!    disk.
//! 2. `gate` (each provider mount): latency, fault injection, then the request log entry
//!    with the status actually answered.
//! 3. The emulator's own router (auth, routes, error shapes).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;

use super::emulator::{Emulator, InjectedFault};
use super::faults::Fault;
use super::listener::Connection;
use super::log::{RequestRecord, now_ms};
use super::{Shared, admin};

/// The whole sandbox application.
pub(crate) fn build(shared: Arc<Shared>) -> Router {
    let mut app = Router::new().nest("/_sandbox", admin::router(shared.clone()));
    for emulator in &shared.emulators {
        let prefix = format!("/{}", emulator.provider_type());
        let gate_state = Gate {
            shared: shared.clone(),
            emulator: emulator.clone(),
        };
        let api = emulator
            .clone()
            .api_router()
            .layer(from_fn_with_state(gate_state, gate));
        app = app.nest(&prefix, api);
    }
    app.layer(from_fn_with_state(shared, persist))
}

async fn persist(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let mutating = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let response = next.run(request).await;
    if mutating {
        shared.store.save(&shared.emulators).await;
    }
    response
}

#[derive(Clone)]
struct Gate {
    shared: Arc<Shared>,
    emulator: Arc<dyn Emulator>,
}

async fn gate(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    let arrived = std::time::Instant::now();
    let at_ms = now_ms();
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let (faults, mut fault) = gate
        .shared
        .faults
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .next(&method);
    if faults.latency_ms > 0 {
        let latency = Duration::from_millis(faults.latency_ms);
        gate.shared.punctual.sleep(arrived, latency).await;
    }
    let connection = request
        .extensions()
        .get::<ConnectInfo<Connection>>()
        .map(|info| info.0.clone());
    if connection.is_none() {
        // Not served through the sandbox listener: the nearest thing to a drop is a failed
        // answer.
        fault = match fault {
            Some(Fault::Drop) => Some(Fault::Unavailable),
            Some(Fault::DropAfter) => Some(Fault::UnavailableAfter),
            other => other,
        };
    }
    let (response, status, processed_status) = match fault {
        None => {
            let response = next.run(request).await;
            let status = response.status().as_u16();
            (response, status, None)
        }
        Some(fault) => {
            // A fault after processing lets the emulator act, then hides its answer.
            let processed_status = if fault.after_processing() {
                Some(next.run(request).await.status().as_u16())
            } else {
                None
            };
            let (response, status) = injected(&gate, fault, faults.retry_after_secs, connection);
            (response, status, processed_status)
        }
    };
    gate.shared.log.record(RequestRecord {
        seq: 0,
        provider: gate.emulator.provider_type().to_owned(),
        method,
        path,
        query,
        status,
        processed_status,
        at_ms,
    });
    response
}

/// The answer standing in for the emulator's when `fault` is injected, and the status to log
/// (0 for a dropped connection).
fn injected(
    gate: &Gate,
    fault: Fault,
    retry_after_secs: u64,
    connection: Option<Connection>,
) -> (Response, u16) {
    match fault {
        Fault::Drop | Fault::DropAfter => {
            if let Some(connection) = connection {
                connection.sever();
            }
            (gate.emulator.fault_response(InjectedFault::Unavailable), 0)
        }
        Fault::RateLimited => {
            let mut response = gate
                .emulator
                .fault_response(InjectedFault::RateLimited { retry_after_secs });
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            let status = response.status().as_u16();
            (response, status)
        }
        Fault::Unavailable | Fault::UnavailableAfter => {
            let response = gate.emulator.fault_response(InjectedFault::Unavailable);
            let status = response.status().as_u16();
            (response, status)
        }
    }
}
