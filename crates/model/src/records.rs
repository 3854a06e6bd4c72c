//! The records TBSchedule stores as JSON (§4): strategy, strategy runtime, task type, server,
//! and the console's export line. Each has a `decode` (lenient like gson: unknown keys kept,
//! missing keys take Java's defaults, §8) and an `encode` that writes gson 2.1's exact bytes.
//!
//! Field names are Rust-cased; the serde names (used for the UI and `--json` output) and the
//! JSON keys are Java's. Key order of `encode` is the Java declaration order.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::gson::{parse_object, DecodeError, Fields, Object};

const I32: (i64, i64) = (i32::MIN as i64, i32::MAX as i64);
const I64: (i64, i64) = (i64::MIN, i64::MAX);

/// Strategy kind (`ScheduleStrategy.Kind`); case-sensitive, an unknown name reads as absent
/// (gson maps it to null).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// `taskName` is a task type: the factory runs TBSchedule thread groups.
    Schedule,
    /// `taskName` is the class name of an `IStrategyTask`.
    Java,
    /// `taskName` is a Spring bean implementing `IStrategyTask`.
    Bean,
}

impl Kind {
    /// The Java enum name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Schedule => "Schedule",
            Kind::Java => "Java",
            Kind::Bean => "Bean",
        }
    }
    /// `Kind.valueOf`: exact, case-sensitive.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "Schedule" => Some(Kind::Schedule),
            "Java" => Some(Kind::Java),
            "Bean" => Some(Kind::Bean),
            _ => None,
        }
    }
}

fn kind_field(f: &mut Fields, k: &str) -> Result<Option<Kind>, DecodeError> {
    Ok(f.enum_name(k)?.and_then(|s| Kind::parse(&s)))
}

/// `ScheduleStrategy`: `<root>/strategy/<name>` (§4.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Strategy {
    /// Node name and display name.
    pub strategy_name: Option<String>,
    /// Machines that may run it (capital `IP` in the JSON).
    #[serde(rename = "IPList")]
    pub ip_list: Option<Vec<String>>,
    /// Cap of thread groups per machine; no effect in 3.3.x (P19).
    pub num_of_single_server: i64,
    /// Total thread groups requested over all factories.
    pub assign_num: i64,
    /// What `taskName` names.
    pub kind: Option<Kind>,
    /// A task type (`base` or `base$ownSign`) for kind Schedule.
    pub task_name: Option<String>,
    /// Passed to `IStrategyTask` for Java/Bean; ignored for Schedule.
    pub task_parameter: Option<String>,
    /// `resume` or `pause`.
    pub sts: Option<String>,
    /// Keys this version does not know, kept for a faithful read-modify-write.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "crate::gson::extra_text")]
    pub extra: Vec<(String, Value)>,
}

impl Default for Strategy {
    fn default() -> Self {
        Strategy {
            strategy_name: None,
            ip_list: None,
            num_of_single_server: 0,
            assign_num: 0,
            kind: None,
            task_name: None,
            task_parameter: None,
            sts: Some("resume".into()),
            extra: Vec::new(),
        }
    }
}

impl Strategy {
    /// Paused, as Java's factory reads `sts` (`STS_PAUSE.equalsIgnoreCase`).
    pub fn is_paused(&self) -> bool {
        self.sts.as_deref().is_some_and(|x| x.eq_ignore_ascii_case("pause"))
    }

    /// The domain it runs, as Java names it (`getTaskTypeByBaseAndOwnSign`: `X$BASE` is `X`).
    pub fn domain(&self) -> Option<String> {
        self.task_name.as_deref().map(|t| crate::names::TaskTypeName::parse(t).task_type())
    }

    /// The task type a Schedule strategy runs (its `taskName` split as Java splits it); `None`
    /// for another kind (its `taskName` is a class or a bean) or without a `taskName`.
    pub fn schedule_task_type(&self) -> Option<crate::names::TaskTypeName> {
        (self.kind == Some(Kind::Schedule)).then_some(())?;
        self.task_name.as_deref().map(crate::names::TaskTypeName::parse)
    }

    /// Reads a strategy blob.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut f = Fields::new(parse_object(bytes)?);
        Ok(Strategy {
            strategy_name: f.str("strategyName")?,
            ip_list: f.str_array("IPList")?,
            num_of_single_server: f.int("numOfSingleServer", 0, I32.0, I32.1)?,
            assign_num: f.int("assignNum", 0, I32.0, I32.1)?,
            kind: kind_field(&mut f, "kind")?,
            task_name: f.str("taskName")?,
            task_parameter: f.str("taskParameter")?,
            sts: str_default(&mut f, "sts", "resume")?,
            extra: f.rest(),
        })
    }

    /// Writes the blob as the Java console does.
    pub fn encode(&self) -> String {
        Object::new()
            .str("strategyName", self.strategy_name.as_deref())
            .str_array("IPList", self.ip_list.as_deref())
            .int("numOfSingleServer", self.num_of_single_server)
            .int("assignNum", self.assign_num)
            .str("kind", self.kind.map(Kind::as_str))
            .str("taskName", self.task_name.as_deref())
            .str("taskParameter", self.task_parameter.as_deref())
            .str("sts", self.sts.as_deref())
            .extra(&self.extra)
            .finish()
    }
}

// gson: a key present with JSON null sets a reference field to null; a missing key keeps the
// field initialiser (only `sts`, `processorType` and `taskKind` have one).
fn str_default(f: &mut Fields, k: &str, default: &str) -> Result<Option<String>, DecodeError> {
    f.str_or(k, Some(default))
}

/// `ScheduleStrategyRunntime` (sic): `<root>/strategy/<name>/<factoryUuid>` (§4.4).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StrategyRuntime {
    /// The strategy; must be present or every Java factory's loop throws (P10).
    pub strategy_name: Option<String>,
    /// The factory uuid; must be present (P10).
    pub uuid: Option<String>,
    /// Never filled by Java.
    pub ip: Option<String>,
    /// Never filled by Java.
    pub kind: Option<Kind>,
    /// Never filled by Java.
    pub task_name: Option<String>,
    /// Never filled by Java.
    pub task_parameter: Option<String>,
    /// Thread groups the strategy leader asks this factory to run.
    pub request_num: i64,
    /// Always 0 in Java.
    pub current_num: i64,
    /// `""` or an error text.
    pub message: Option<String>,
    /// Unknown keys, kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "crate::gson::extra_text")]
    pub extra: Vec<(String, Value)>,
}

impl StrategyRuntime {
    /// Reads a runtime blob; null node data means requestNum 0 and is handled by the caller.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut f = Fields::new(parse_object(bytes)?);
        Ok(StrategyRuntime {
            strategy_name: f.str("strategyName")?,
            uuid: f.str("uuid")?,
            ip: f.str("ip")?,
            kind: kind_field(&mut f, "kind")?,
            task_name: f.str("taskName")?,
            task_parameter: f.str("taskParameter")?,
            request_num: f.int("requestNum", 0, I32.0, I32.1)?,
            current_num: f.int("currentNum", 0, I32.0, I32.1)?,
            message: f.str("message")?,
            extra: f.rest(),
        })
    }

    /// Writes the blob as the Java strategy leader does.
    pub fn encode(&self) -> String {
        Object::new()
            .str("strategyName", self.strategy_name.as_deref())
            .str("uuid", self.uuid.as_deref())
            .str("ip", self.ip.as_deref())
            .str("kind", self.kind.map(Kind::as_str))
            .str("taskName", self.task_name.as_deref())
            .str("taskParameter", self.task_parameter.as_deref())
            .int("requestNum", self.request_num)
            .int("currentNum", self.current_num)
            .str("message", self.message.as_deref())
            .extra(&self.extra)
            .finish()
    }
}

/// `ScheduleTaskType`: `<root>/baseTaskType/<base>` (§4.2). Defaults are Java's (§8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskType {
    /// The base task type name (node name).
    pub base_task_type: Option<String>,
    /// Heartbeat period, ms.
    pub heart_beat_rate: i64,
    /// A server whose node is older than this (ms) is dead.
    pub judge_dead_interval: i64,
    /// Sleep after an empty fetch, ms.
    pub sleep_time_no_data: i64,
    /// Sleep between fetches, ms.
    pub sleep_time_interval: i64,
    /// Rows per `selectTasks` call.
    pub fetch_data_number: i64,
    /// Rows per `execute` call (Multi deals).
    pub execute_number: i64,
    /// Worker threads per thread group.
    pub thread_number: i64,
    /// `SLEEP` or `NOTSLEEP`.
    pub processor_type: Option<String>,
    /// Cron of the run window start (optionally `startrun:`-prefixed).
    pub permit_run_start_time: Option<String>,
    /// Cron of the run window end, or `-1`.
    pub permit_run_end_time: Option<String>,
    /// Days after which a domain with a stale `taskItem` is deleted.
    #[serde(with = "crate::gson::double_text")]
    pub expire_own_sign_interval: f64,
    /// The Spring bean implementing `IScheduleTaskDeal`.
    pub deal_bean_name: Option<String>,
    /// Passed to `selectTasks`.
    pub task_parameter: Option<String>,
    /// `static`/`dynamic`; never read by the runtime (P5).
    pub task_kind: Option<String>,
    /// Task item definitions, `id` or `id:{parameter}` (§6.7).
    pub task_items: Option<Vec<String>>,
    /// No effect in 3.3.x (P19).
    pub max_task_items_of_one_thread_group: i64,
    /// Never read by the runtime (P5).
    pub version: i64,
    /// Never read by the runtime (P5).
    pub sts: Option<String>,
    /// Unknown keys (e.g. 3.4's `fetchDataCountEachSchedule`), kept in order after `sts`.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "crate::gson::extra_text")]
    pub extra: Vec<(String, Value)>,
}

impl Default for TaskType {
    fn default() -> Self {
        TaskType {
            base_task_type: None,
            heart_beat_rate: 5000,
            judge_dead_interval: 60000,
            sleep_time_no_data: 500,
            sleep_time_interval: 0,
            fetch_data_number: 500,
            execute_number: 1,
            thread_number: 5,
            processor_type: Some("SLEEP".into()),
            permit_run_start_time: None,
            permit_run_end_time: None,
            expire_own_sign_interval: 1.0,
            deal_bean_name: None,
            task_parameter: None,
            task_kind: Some("static".into()),
            task_items: None,
            max_task_items_of_one_thread_group: 0,
            version: 0,
            sts: Some("resume".into()),
            extra: Vec::new(),
        }
    }
}

impl TaskType {
    /// Reads a task type blob.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut f = Fields::new(parse_object(bytes)?);
        let d = TaskType::default();
        Ok(TaskType {
            base_task_type: f.str("baseTaskType")?,
            heart_beat_rate: f.int("heartBeatRate", d.heart_beat_rate, I64.0, I64.1)?,
            judge_dead_interval: f.int("judgeDeadInterval", d.judge_dead_interval, I64.0, I64.1)?,
            sleep_time_no_data: f.int("sleepTimeNoData", d.sleep_time_no_data, I32.0, I32.1)?,
            sleep_time_interval: f.int("sleepTimeInterval", d.sleep_time_interval, I32.0, I32.1)?,
            fetch_data_number: f.int("fetchDataNumber", d.fetch_data_number, I32.0, I32.1)?,
            execute_number: f.int("executeNumber", d.execute_number, I32.0, I32.1)?,
            thread_number: f.int("threadNumber", d.thread_number, I32.0, I32.1)?,
            processor_type: str_default(&mut f, "processorType", "SLEEP")?,
            permit_run_start_time: f.str("permitRunStartTime")?,
            permit_run_end_time: f.str("permitRunEndTime")?,
            expire_own_sign_interval: f.double("expireOwnSignInterval", d.expire_own_sign_interval)?,
            deal_bean_name: f.str("dealBeanName")?,
            task_parameter: f.str("taskParameter")?,
            task_kind: str_default(&mut f, "taskKind", "static")?,
            task_items: f.str_array("taskItems")?,
            max_task_items_of_one_thread_group: f.int("maxTaskItemsOfOneThreadGroup", 0, I32.0, I32.1)?,
            version: f.int("version", 0, I64.0, I64.1)?,
            sts: str_default(&mut f, "sts", "resume")?,
            extra: f.rest(),
        })
    }

    /// Writes the blob as the Java console does.
    pub fn encode(&self) -> String {
        Object::new()
            .str("baseTaskType", self.base_task_type.as_deref())
            .int("heartBeatRate", self.heart_beat_rate)
            .int("judgeDeadInterval", self.judge_dead_interval)
            .int("sleepTimeNoData", self.sleep_time_no_data)
            .int("sleepTimeInterval", self.sleep_time_interval)
            .int("fetchDataNumber", self.fetch_data_number)
            .int("executeNumber", self.execute_number)
            .int("threadNumber", self.thread_number)
            .str("processorType", self.processor_type.as_deref())
            .str("permitRunStartTime", self.permit_run_start_time.as_deref())
            .str("permitRunEndTime", self.permit_run_end_time.as_deref())
            .double("expireOwnSignInterval", self.expire_own_sign_interval)
            .str("dealBeanName", self.deal_bean_name.as_deref())
            .str("taskParameter", self.task_parameter.as_deref())
            .str("taskKind", self.task_kind.as_deref())
            .str_array("taskItems", self.task_items.as_deref())
            .int("maxTaskItemsOfOneThreadGroup", self.max_task_items_of_one_thread_group)
            .int("version", self.version)
            .str("sts", self.sts.as_deref())
            .extra(&self.extra)
            .finish()
    }
}

/// `ScheduleServer`: `.../server/<uuid>` (§4.3), one per thread group, rewritten every heartbeat.
/// Timestamps stay the zone-less strings Java wrote (P9); [`is_java_timestamp`] checks them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    /// The node name.
    pub uuid: Option<String>,
    /// Informational id (`yyMMdd * 1e8 + hash`).
    pub id: i64,
    /// The domain (`base` or `base$ownSign`).
    pub task_type: Option<String>,
    /// The base task type.
    pub base_task_type: Option<String>,
    /// The own sign.
    pub own_sign: Option<String>,
    /// The machine's address.
    pub ip: Option<String>,
    /// The machine's name.
    pub host_name: Option<String>,
    /// Worker threads.
    pub thread_num: i64,
    /// `yyyy-MM-dd HH:mm:ss`, writer's wall clock.
    pub register_time: Option<String>,
    /// `yyyy-MM-dd HH:mm:ss` of the last heartbeat (use the node's mtime instead, P9).
    pub heart_beat_time: Option<String>,
    /// `yyyy-MM-dd HH:mm:ss` of the last fetch; absent until the first (P2).
    pub last_fetch_data_time: Option<String>,
    /// Progress counters text.
    pub deal_info_desc: Option<String>,
    /// Free text: a timestamp or a message.
    pub next_run_start_time: Option<String>,
    /// Free text: a timestamp or a message.
    pub next_run_end_time: Option<String>,
    /// Never set by the runtime.
    pub center_server_time: Option<String>,
    /// Heartbeat count.
    pub version: i64,
    /// `false` in the first write, `true` after.
    pub is_register: bool,
    /// The factory running this thread group.
    #[serde(rename = "managerFactoryUUID")]
    pub manager_factory_uuid: Option<String>,
    /// Unknown keys, kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "crate::gson::extra_text")]
    pub extra: Vec<(String, Value)>,
}

/// True when `s` is `yyyy-MM-dd HH:mm:ss`, the only form Java's timestamp adapter parses.
pub fn is_java_timestamp(s: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok() && s.len() == 19
}

impl Server {
    /// Reads a server blob.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut f = Fields::new(parse_object(bytes)?);
        Ok(Server {
            uuid: f.str("uuid")?,
            id: f.int("id", 0, I64.0, I64.1)?,
            task_type: f.str("taskType")?,
            base_task_type: f.str("baseTaskType")?,
            own_sign: f.str("ownSign")?,
            ip: f.str("ip")?,
            host_name: f.str("hostName")?,
            thread_num: f.int("threadNum", 0, I32.0, I32.1)?,
            register_time: f.timestamp("registerTime")?,
            heart_beat_time: f.timestamp("heartBeatTime")?,
            last_fetch_data_time: f.timestamp("lastFetchDataTime")?,
            deal_info_desc: f.str("dealInfoDesc")?,
            next_run_start_time: f.str("nextRunStartTime")?,
            next_run_end_time: f.str("nextRunEndTime")?,
            center_server_time: f.timestamp("centerServerTime")?,
            version: f.int("version", 0, I64.0, I64.1)?,
            is_register: f.bool("isRegister", false)?,
            manager_factory_uuid: f.str("managerFactoryUUID")?,
            extra: f.rest(),
        })
    }

    /// Writes the blob as a Java thread group's heartbeat does.
    pub fn encode(&self) -> String {
        Object::new()
            .str("uuid", self.uuid.as_deref())
            .int("id", self.id)
            .str("taskType", self.task_type.as_deref())
            .str("baseTaskType", self.base_task_type.as_deref())
            .str("ownSign", self.own_sign.as_deref())
            .str("ip", self.ip.as_deref())
            .str("hostName", self.host_name.as_deref())
            .int("threadNum", self.thread_num)
            .str("registerTime", self.register_time.as_deref())
            .str("heartBeatTime", self.heart_beat_time.as_deref())
            .str("lastFetchDataTime", self.last_fetch_data_time.as_deref())
            .str("dealInfoDesc", self.deal_info_desc.as_deref())
            .str("nextRunStartTime", self.next_run_start_time.as_deref())
            .str("nextRunEndTime", self.next_run_end_time.as_deref())
            .str("centerServerTime", self.center_server_time.as_deref())
            .int("version", self.version)
            .bool("isRegister", self.is_register)
            .str("managerFactoryUUID", self.manager_factory_uuid.as_deref())
            .extra(&self.extra)
            .finish()
    }
}

/// Which subtree a console export line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfigType {
    /// `<root>/baseTaskType/<name>`.
    #[serde(rename = "baseTaskType")]
    BaseTaskType,
    /// `<root>/strategy/<name>`.
    #[serde(rename = "strategy")]
    Strategy,
}

impl ConfigType {
    /// The JSON / path name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigType::BaseTaskType => "baseTaskType",
            ConfigType::Strategy => "strategy",
        }
    }
}

/// One line of the Java console's export (`ConfigNode`, §4.5): the node's raw text inside JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigNode {
    /// The root the line was exported from (import ignores it and uses the chosen root, P14).
    pub root_path: Option<String>,
    /// The subtree.
    pub config_type: ConfigType,
    /// The node name.
    pub name: String,
    /// The node's raw text (a JSON blob).
    pub value: Option<String>,
}

impl ConfigNode {
    /// Writes one export line.
    pub fn encode(&self) -> String {
        Object::new()
            .str("rootPath", self.root_path.as_deref())
            .str("configType", Some(self.config_type.as_str()))
            .str("name", Some(&self.name))
            .str("value", self.value.as_deref())
            .finish()
    }

    /// Reads a whole export (lines joined by `\n`; blank lines ignored). Errors name the line.
    pub fn decode_all(text: &str) -> Result<Vec<ConfigNode>, (usize, DecodeError)> {
        text.split('\n')
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| Self::decode(l.trim_end_matches('\r').as_bytes()).map_err(|e| (i + 1, e)))
            .collect()
    }

    /// Reads one export line.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut f = Fields::new(parse_object(bytes)?);
        let config_type = match f.str("configType")?.as_deref() {
            Some("baseTaskType") => ConfigType::BaseTaskType,
            Some("strategy") => ConfigType::Strategy,
            other => {
                return Err(DecodeError::Field {
                    field: "configType".into(),
                    message: format!("must be baseTaskType or strategy, found {other:?}"),
                })
            }
        };
        let root_path = f.str("rootPath")?;
        let name = f
            .str("name")?
            .filter(|n| !n.is_empty())
            .ok_or_else(|| DecodeError::Field { field: "name".into(), message: "missing".into() })?;
        Ok(ConfigNode { root_path, config_type, name, value: f.str("value")? })
    }
}
