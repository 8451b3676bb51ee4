//! A conformance suite for [`UserStore`] and [`GroupStore`] implementations (feature
//! `testkit`).
//!
//! A store crate runs the whole suite in its own `cargo test` with one line; each case
//! becomes its own `#[test]`, run on a multi-threaded tokio runtime:
//!
//! ```
//! // tests/conformance.rs of a store crate, with `scimitar = { ..., features = ["testkit"] }`
//! // under [dev-dependencies]. The expression builds a store implementing both traits
//! // (your own, e.g. `my_crate::PgStore::connect_test_db().await`).
//! scimitar::store_conformance_tests!(scimitar::MemoryStore::new());
//!
//! // Or, for a user store alone (a second invocation needs a module of its own):
//! mod users_only {
//!     scimitar::store_conformance_tests!(users: scimitar::MemoryStore::new());
//! }
//! # fn main() {}
//! ```
//!
//! The expression is evaluated once per case inside an `async` block on the kit's runtime,
//! so it may `.await` (connect a pool, run migrations). It need not build an empty
//! database: every case works in tenants of its own (fresh random ids), so a store over
//! one shared test database passes as long as it keeps tenants apart. The macro expands to
//! a module `store_conformance`: invoke it once per module (wrap further invocations in
//! modules of their own).
//!
//! Each case can also be run on its own ([`run_user_case`], [`run_group_case`]) and
//! returns `Err` with a message naming the case and what went wrong; the runners
//! ([`run_user_store_suite`], [`run_group_store_suite`]) and the macro panic with it.
//!
//! What is checked: CRUD, with attributes given back exactly as they were written (60
//! varied generated users, extension and multi-valued attributes included) and lists that
//! return each resource exactly as `get` does (groups with members only when
//! `include_members` asks); tenant isolation (nothing of one tenant is visible, counted,
//! changed or deleted from another); atomic `userName` uniqueness under 40 concurrent
//! creates; versions and expected-version conflicts (also under concurrency); membership
//! deltas (100 concurrent adds) and `ReplaceAll`/`Remove` semantics; list results for
//! about 50 filters against the reference evaluator ([`Filter::bind`]) on generated data,
//! as far as the store declares it pushes filters down; paging edges and sort order when
//! the store declares it pages or sorts; delete cascades (`groups_of`,
//! `remove_member_everywhere`, which bumps the version of every group it changes); members
//! keep their `type` and `display`.
//!
//! A failure names the case, what the store returned and, where a common mistake explains
//! it, what to change: the attributes missing, changed or unexpected; the `caseExact` rule
//! of the attribute a pushed-down filter compared; the atomic step a race slipped through.
//!
//! [`Filter::bind`]: crate::filter::Filter::bind

use std::future::Future;
use std::sync::Arc;

use crate::store::{GroupStore, UserStore};

/// Returns `Err(message)` from the enclosing case when the condition is false.
macro_rules! check {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

mod data;
mod groups;
mod users;

/// The outcome of one case: `Err` carries a message saying what the store got wrong.
pub type CaseResult = Result<(), String>;

/// The names of the user-store cases, in the order the suite runs them.
pub const USER_CASES: &[&str] = &[
    "user_crud",
    "user_tenant_isolation",
    "user_uniqueness",
    "user_uniqueness_concurrent",
    "user_versions",
    "user_versions_concurrent",
    "user_filters",
    "user_paging",
    "user_sort",
];

/// The names of the group-store cases, in the order the suite runs them.
pub const GROUP_CASES: &[&str] = &[
    "group_crud",
    "group_tenant_isolation",
    "group_member_deltas",
    "group_members_concurrent",
    "group_versions",
    "group_delete_cascades",
    "group_display_name_uniqueness",
    "group_filters",
    "group_paging",
];

/// Runs the user-store case called `name` on `store` (in tenants of its own).
pub async fn run_user_case(name: &str, store: Arc<dyn UserStore>) -> CaseResult {
    let result = match name {
        "user_crud" => users::crud(store).await,
        "user_tenant_isolation" => users::tenant_isolation(store).await,
        "user_uniqueness" => users::uniqueness(store).await,
        "user_uniqueness_concurrent" => users::uniqueness_concurrent(store).await,
        "user_versions" => users::versions(store).await,
        "user_versions_concurrent" => users::versions_concurrent(store).await,
        "user_filters" => users::filters(store).await,
        "user_paging" => users::paging(store).await,
        "user_sort" => users::sort(store).await,
        _ => Err("no such case".to_string()),
    };
    result.map_err(|e| format!("store conformance case `{name}` failed: {e}"))
}

/// Runs the group-store case called `name` on `groups`, with `users` holding the users
/// that become members (both in tenants of their own, sharing one backend).
pub async fn run_group_case(
    name: &str,
    users: Arc<dyn UserStore>,
    groups: Arc<dyn GroupStore>,
) -> CaseResult {
    let result = match name {
        "group_crud" => groups::crud(users, groups).await,
        "group_tenant_isolation" => groups::tenant_isolation(users, groups).await,
        "group_member_deltas" => groups::member_deltas(users, groups).await,
        "group_members_concurrent" => groups::members_concurrent(users, groups).await,
        "group_versions" => groups::versions(users, groups).await,
        "group_delete_cascades" => groups::delete_cascades(users, groups).await,
        "group_display_name_uniqueness" => groups::display_name_uniqueness(users, groups).await,
        "group_filters" => groups::filters(users, groups).await,
        "group_paging" => groups::paging(users, groups).await,
        _ => Err("no such case".to_string()),
    };
    result.map_err(|e| format!("store conformance case `{name}` failed: {e}"))
}

/// Runs every user-store case, each on a fresh store from `make`.
///
/// # Panics
///
/// When a case fails, listing every failed case and why.
pub async fn run_user_store_suite<S, F>(make: F)
where
    S: UserStore + 'static,
    F: Fn() -> S,
{
    let mut failures = Vec::new();
    for name in USER_CASES {
        if let Err(e) = run_user_case(name, Arc::new(make())).await {
            failures.push(e);
        }
    }
    report(failures);
}

/// Runs every group-store case, each on a fresh `(users, groups)` pair from `make`.
///
/// # Panics
///
/// When a case fails, listing every failed case and why.
pub async fn run_group_store_suite<U, G, F>(make: F)
where
    U: UserStore + 'static,
    G: GroupStore + 'static,
    F: Fn() -> (U, G),
{
    let mut failures = Vec::new();
    for name in GROUP_CASES {
        let (u, g) = make();
        if let Err(e) = run_group_case(name, Arc::new(u), Arc::new(g)).await {
            failures.push(e);
        }
    }
    report(failures);
}

#[allow(clippy::panic)]
fn report(failures: Vec<String>) {
    if !failures.is_empty() {
        panic!(
            "{} store conformance case(s) failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

/// Panics with the case's message when it failed (used by
/// [`store_conformance_tests!`](crate::store_conformance_tests)).
///
/// # Panics
///
/// When `result` is `Err`.
#[allow(clippy::panic)]
pub fn expect_case(result: CaseResult) {
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Runs `future` to completion on a new multi-threaded tokio runtime (used by
/// [`store_conformance_tests!`](crate::store_conformance_tests), so the calling crate
/// needs no tokio dependency of its own).
///
/// # Panics
///
/// When the runtime cannot be built.
#[allow(clippy::expect_used)]
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("building a tokio runtime for the store conformance suite")
        .block_on(future)
}

/// Generates one `#[test]` per conformance case (in a module `store_conformance`).
///
/// - `store_conformance_tests!(expr)`: `expr` builds a store implementing both
///   [`UserStore`](crate::UserStore) and [`GroupStore`](crate::GroupStore); it is
///   evaluated once per case, inside an `async` block (it may `.await`).
/// - `store_conformance_tests!(users: expr)`: only the user-store cases.
/// - `store_conformance_tests!(groups: expr)`: only the group-store cases.
#[macro_export]
macro_rules! store_conformance_tests {
    (users: $make:expr) => {
        $crate::store_conformance_tests!(@mod users: $make);
    };
    (groups: $make:expr) => {
        $crate::store_conformance_tests!(@mod groups: $make);
    };
    ($make:expr) => {
        $crate::store_conformance_tests!(@mod both: $make);
    };
    (@mod $which:ident: $make:expr) => {
        #[allow(unused_imports)]
        mod store_conformance {
            use super::*;
            $crate::store_conformance_tests!(@$which $make);
        }
    };
    (@both $make:expr) => {
        $crate::store_conformance_tests!(@users $make);
        $crate::store_conformance_tests!(@groups $make);
    };
    (@users $make:expr) => {
        $crate::store_conformance_tests!(@user_cases $make; user_crud, user_tenant_isolation,
            user_uniqueness, user_uniqueness_concurrent, user_versions,
            user_versions_concurrent, user_filters, user_paging, user_sort);
    };
    (@groups $make:expr) => {
        $crate::store_conformance_tests!(@group_cases $make; group_crud, group_tenant_isolation,
            group_member_deltas, group_members_concurrent, group_versions,
            group_delete_cascades, group_display_name_uniqueness, group_filters, group_paging);
    };
    (@user_cases $make:expr; $($case:ident),*) => {
        $(
            #[test]
            fn $case() {
                $crate::testkit::block_on(async {
                    let store = ::std::sync::Arc::new($make);
                    $crate::testkit::expect_case(
                        $crate::testkit::run_user_case(stringify!($case), store).await,
                    );
                });
            }
        )*
    };
    (@group_cases $make:expr; $($case:ident),*) => {
        $(
            #[test]
            fn $case() {
                $crate::testkit::block_on(async {
                    let store = ::std::sync::Arc::new($make);
                    let users: ::std::sync::Arc<dyn $crate::UserStore> = store.clone();
                    let groups: ::std::sync::Arc<dyn $crate::GroupStore> = store;
                    $crate::testkit::expect_case(
                        $crate::testkit::run_group_case(stringify!($case), users, groups).await,
                    );
                });
            }
        )*
    };
}
