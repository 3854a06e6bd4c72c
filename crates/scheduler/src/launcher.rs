//! "Run this task type in my own domain": the strategy copy the local runtime follows, the
//! check for shared strategies that would capture this machine, and the clean-up after.

use tbdesk_model::names::TaskTypeName;
use tbdesk_model::records::{Kind, Strategy};
use tbdesk_model::validate;
use tbdesk_store::{Expect, Store};

use crate::{ip_matches, Error};

/// The name of the strategy the launcher creates for `base` in `own_sign`.
pub fn strategy_name(base: &str, own_sign: &str) -> String {
    format!("{base}-{own_sign}-tbdesk")
}

/// Shared strategies (another own sign, not paused) whose IP list captures this machine: a
/// Java factory started on this machine would join them. The tbdesk runtime never does.
pub async fn capturing_strategies(store: &Store, own_sign: &str, ip: &str, host: &str) -> Result<Vec<String>, Error> {
    let snap = store.snapshot(|_| {}).await?;
    Ok(snap
        .strategies
        .iter()
        .filter_map(|s| {
            let st = s.strategy.ok()?;
            let tt = TaskTypeName::parse(st.task_name.as_deref().unwrap_or_default());
            let captured = ip_matches(st.ip_list.as_deref().unwrap_or_default(), ip, host);
            (captured && tt.own_sign != own_sign && st.sts.as_deref() != Some("pause")).then(|| s.name.clone())
        })
        .collect())
}

/// Creates (validated, create-only) the strategy `base$own_sign` naming only this machine.
/// Returns its name; an existing one of that name is reused when it is the same copy.
pub async fn create_dev_strategy(
    store: &Store,
    base: &str,
    own_sign: &str,
    host: &str,
    groups: i64,
) -> Result<String, Error> {
    if own_sign == tbdesk_model::names::BASE_OWN_SIGN {
        return Err(Error::OwnSign(own_sign.into()));
    }
    let name = strategy_name(base, own_sign);
    let s = Strategy {
        strategy_name: Some(name.clone()),
        ip_list: Some(vec![host.to_owned()]),
        assign_num: groups,
        kind: Some(Kind::Schedule),
        task_name: Some(TaskTypeName::new(base, own_sign).task_type()),
        task_parameter: Some(String::new()),
        ..Strategy::default()
    };
    let v = validate::strategy(&s);
    if validate::has_errors(&v) {
        return Err(Error::Invalid(
            v.iter().map(|x| format!("{}: {}", x.field, x.message)).collect::<Vec<_>>().join("; "),
        ));
    }
    match store.put_strategy(&s, Expect::Absent).await {
        Ok(_) => Ok(name),
        Err(tbdesk_store::Error::Conflict { .. }) => Ok(name),
        Err(e) => Err(e.into()),
    }
}

/// Removes what the launcher created: the strategy copy and the domain's runtime subtree.
pub async fn remove_dev_strategy(store: &Store, base: &str, own_sign: &str) -> Result<(), Error> {
    let name = strategy_name(base, own_sign);
    if let Some(v) = store.version_of(&store.root().strategy(&name)).await? {
        store.delete_strategy(&name, v, true).await?;
    }
    let tt = TaskTypeName::new(base, own_sign).task_type();
    match store.clear_domain(base, &tt, true).await {
        Ok(()) | Err(tbdesk_store::Error::NoNode { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
