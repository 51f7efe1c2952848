//! A subquery that a statement reads more than once, computed once.
//!
//! DataFusion plans a common table expression by copying its plan into every place that
//! names it: `halvar/insatser.sql` read its `aktuella` five times and scanned `insatser`
//! four times. Here a subquery (a CTE, a derived table or a view: `SubqueryAlias` in the
//! plan) found more than once is marked [`Shared`] when it does more than read
//! (aggregates, windows, joins of tables: what only reads is read again, as fast as
//! handing out held batches and without holding them); its copies are planned alike and
//! run as one [`SharedExec`], which computes the rows once and hands every reader the
//! same batches.
//!
//! What one reader filters on is not pushed into what all of them read, except where
//! the readers agree: a filter on the partition columns (`projekt`, `halvar`) that only
//! some readers have picks the files they read, so such a subquery is not shared, and
//! each copy reads only its own files as before. Which columns to compute and which
//! filters to keep out are learnt from a first optimisation of the marked plan, the way
//! DataFusion's own rules see each copy: the shared plan computes the columns any reader
//! needs. A copy whose optimised plan still differs from the others is computed on its
//! own: sharing never changes a result.
//!
//! The shared batches are held until the statement ends.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use async_trait::async_trait;
use datafusion::arrow::array::RecordBatch;
use datafusion::catalog::Session;
use datafusion::common::config::ConfigOptions;
use datafusion::common::runtime::SpawnedTask;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{DFSchemaRef, DataFusionError, Result, Statistics};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::TaskContext;
use datafusion::execution::context::{QueryPlanner, SessionConfig, SessionContext};
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::utils::split_conjunction;
use datafusion::logical_expr::{
    Expr, Extension, LogicalPlan, UserDefinedLogicalNode, UserDefinedLogicalNodeCore,
};
use datafusion::optimizer::analyzer::AnalyzerRule;
use datafusion::optimizer::{Optimizer, OptimizerContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::displayable;
use datafusion::physical_plan::execution_plan::{
    CardinalityEffect, ChildrenPropertiesMode, EmissionType, ReplaceChildrenOptions,
};
use datafusion::physical_plan::statistics::{ChildStats, StatisticsArgs};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, Distribution, ExecutionPlan, ExecutionPlanProperties,
    Partitioning, PlanProperties, SendableRecordBatchStream,
};
use datafusion::physical_planner::{DefaultPhysicalPlanner, ExtensionPlanner, PhysicalPlanner};
use futures::{StreamExt, TryStreamExt};
use tokio::sync::OnceCell;

use crate::schema::PARTITION_COLUMNS;

/// A session whose statements compute a repeated subquery once.
pub fn session(config: SessionConfig) -> SessionContext {
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .with_query_planner(Arc::new(SharingPlanner))
        .build();
    let ctx = SessionContext::new_with_state(state);
    ctx.add_analyzer_rule(Arc::new(ShareRepeated));
    ctx
}

/// The analyzer rule that marks repeated subqueries; it runs after DataFusion's own
/// (views are inlined by then, so a view read twice is a repeated subquery too).
#[derive(Debug, Default)]
struct ShareRepeated;

/// The query planner that runs a marked subquery once ([`SharedExec`]).
#[derive(Debug, Default)]
struct SharingPlanner;

impl AnalyzerRule for ShareRepeated {
    fn analyze(&self, plan: LogicalPlan, config: &ConfigOptions) -> Result<LogicalPlan> {
        if !worth_looking_at(&plan)? {
            return Ok(plan);
        }
        let (marked, subqueries) = mark(plan)?;
        if subqueries.is_empty() {
            return Ok(marked);
        }
        // The first optimisation tells each subquery what its readers need and which
        // filters they push into it. It is the optimisation DataFusion runs next, on
        // the same plan; should it fail, the plan goes on unmarked and fails there.
        let context = OptimizerContext::new_with_config_options(Arc::new(config.clone()));
        let settled = match Optimizer::new().optimize(marked.clone(), &context, |_, _| {}) {
            Ok(optimised) => {
                let readers = readers(&optimised)?;
                subqueries
                    .iter()
                    .filter(|s| s.settle(readers.get(&s.id).copied().unwrap_or(0)))
                    .map(|s| s.id)
                    .collect()
            }
            Err(_) => HashSet::new(),
        };
        unmark(marked, &settled)
    }

    fn name(&self) -> &str {
        "share_repeated_subqueries"
    }
}

/// A plan with a recursive query or no subquery at all is left alone.
fn worth_looking_at(plan: &LogicalPlan) -> Result<bool> {
    let (mut recursive, mut subqueries, mut marked) = (false, 0, false);
    plan.apply_with_subqueries(|node| {
        match node {
            LogicalPlan::RecursiveQuery(_) => recursive = true,
            LogicalPlan::SubqueryAlias(_) => subqueries += 1,
            LogicalPlan::Extension(e) if e.node.as_any().is::<Shared>() => marked = true,
            _ => {}
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    // A plan marked already (planned again, as a prepared statement is) keeps its marks.
    Ok(!recursive && !marked && subqueries >= 2)
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// Marks every subquery found more than once, the largest first, so that what a shared
/// subquery reads inside it is computed once with it.
fn mark(mut plan: LogicalPlan) -> Result<(LogicalPlan, Vec<Arc<SharedState>>)> {
    let mut subqueries = Vec::new();
    while let Some(repeated) = most_repeated(&plan)? {
        let state = Arc::new(SharedState::new(NEXT_ID.fetch_add(1, Ordering::Relaxed)));
        let mut occurrence = 0;
        plan = plan
            .transform_down_with_subqueries(|node| {
                if node != repeated {
                    return Ok(Transformed::no(node));
                }
                let shared = Shared {
                    input: node,
                    state: state.clone(),
                    occurrence,
                };
                occurrence += 1;
                let node = LogicalPlan::Extension(Extension {
                    node: Arc::new(shared),
                });
                Ok(Transformed::new(node, true, TreeNodeRecursion::Jump))
            })?
            .data;
        state.occurrences.store(occurrence, Ordering::Relaxed);
        subqueries.push(state);
    }
    Ok((plan, subqueries))
}

/// The largest subquery that reads a table and is found at least twice (a shared
/// subquery's plan counted once), if any.
fn most_repeated(plan: &LogicalPlan) -> Result<Option<LogicalPlan>> {
    let mut counts: HashMap<LogicalPlan, usize> = HashMap::new();
    let mut visited = HashSet::new();
    plan.apply_with_subqueries(|node| {
        if let Some(shared) = as_shared(node)
            && !visited.insert(shared.state.id)
        {
            return Ok(TreeNodeRecursion::Jump);
        }
        if matches!(node, LogicalPlan::SubqueryAlias(_)) {
            *counts.entry(node.clone()).or_default() += 1;
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    let mut best: Option<(usize, LogicalPlan)> = None;
    for (node, count) in counts {
        if count < 2 || !reads_a_table_on_its_own(&node)? || !costly(&node)? {
            continue;
        }
        let size = size(&node)?;
        if best.as_ref().is_none_or(|(largest, _)| size > *largest) {
            best = Some((size, node));
        }
    }
    Ok(best.map(|(_, node)| node))
}

/// Reads a table (a subquery of constants costs nothing to repeat) and nothing of an
/// enclosing query (a correlated subquery differs from row to row).
fn reads_a_table_on_its_own(plan: &LogicalPlan) -> Result<bool> {
    let (mut scans, mut correlated) = (false, false);
    plan.apply_with_subqueries(|node| {
        scans |= matches!(node, LogicalPlan::TableScan(_));
        correlated |= node.contains_outer_reference();
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(scans && !correlated)
}

/// Does more than read, filter and compute per row: aggregates, windows, or joins of
/// tables. What only reads is read again by each copy: as fast as handing out held
/// batches, without holding them (a million participants' rows are hundreds of MB).
fn costly(plan: &LogicalPlan) -> Result<bool> {
    let mut costly = false;
    plan.apply_with_subqueries(|node| {
        costly |= match node {
            LogicalPlan::Aggregate(_) | LogicalPlan::Window(_) | LogicalPlan::Distinct(_) => true,
            LogicalPlan::Join(join) => reads_a_table(&join.left)? && reads_a_table(&join.right)?,
            _ => false,
        };
        Ok(if costly {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    })?;
    Ok(costly)
}

fn reads_a_table(plan: &LogicalPlan) -> Result<bool> {
    plan.exists(|node| Ok(matches!(node, LogicalPlan::TableScan(_))))
}

fn size(plan: &LogicalPlan) -> Result<usize> {
    let mut nodes = 0;
    plan.apply_with_subqueries(|_| {
        nodes += 1;
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(nodes)
}

fn as_shared(node: &LogicalPlan) -> Option<&Shared> {
    match node {
        LogicalPlan::Extension(e) => e.node.as_any().downcast_ref::<Shared>(),
        _ => None,
    }
}

/// How many places read each shared subquery in an optimised plan.
fn readers(plan: &LogicalPlan) -> Result<HashMap<usize, usize>> {
    let mut readers = HashMap::new();
    plan.apply_with_subqueries(|node| {
        if let Some(shared) = as_shared(node) {
            *readers.entry(shared.state.id).or_default() += 1;
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(readers)
}

/// The plan with the marks of the subqueries not in `kept` taken away.
fn unmark(plan: LogicalPlan, kept: &HashSet<usize>) -> Result<LogicalPlan> {
    Ok(plan
        .transform_up_with_subqueries(|node| match as_shared(&node) {
            Some(shared) if !kept.contains(&shared.state.id) => {
                Ok(Transformed::yes(shared.input.clone()))
            }
            _ => Ok(Transformed::no(node)),
        })?
        .data)
}

/// What the copies of one repeated subquery share: what was learnt about its readers,
/// and the computed batches once it runs.
#[derive(Debug)]
struct SharedState {
    id: usize,
    /// Copies marked.
    occurrences: AtomicUsize,
    learnt: Mutex<Learnt>,
    planned: Mutex<Option<Planned>>,
}

#[derive(Debug, Default)]
struct Learnt {
    /// After the first optimisation: the columns to compute and the columns whose
    /// filters stay with the readers. Before it, none.
    settled: Option<(BTreeSet<String>, HashSet<String>)>,
    /// The columns some reader needs.
    needed: BTreeSet<String>,
    /// Per copy, the conjuncts its readers pushed into it (by their text), with the
    /// columns each reads.
    pushed: BTreeMap<usize, BTreeMap<String, BTreeSet<String>>>,
}

/// The subquery as the first copy was planned, and its batches while the statement runs.
#[derive(Debug)]
struct Planned {
    logical: LogicalPlan,
    results: Weak<SharedResults>,
}

impl SharedState {
    fn new(id: usize) -> SharedState {
        SharedState {
            id,
            occurrences: AtomicUsize::new(0),
            learnt: Mutex::default(),
            planned: Mutex::default(),
        }
    }

    fn learnt(&self) -> std::sync::MutexGuard<'_, Learnt> {
        self.learnt.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Decides after the first optimisation, which `readers` copies survived: shared
    /// when at least two did and no reader's own filter picks partitions.
    fn settle(&self, readers: usize) -> bool {
        let mut learnt = self.learnt();
        let occurrences = self.occurrences.load(Ordering::Relaxed);
        let per_copy: Vec<BTreeMap<String, BTreeSet<String>>> = (0..occurrences)
            .map(|copy| learnt.pushed.get(&copy).cloned().unwrap_or_default())
            .collect();
        let all: BTreeMap<&String, &BTreeSet<String>> =
            per_copy.iter().flat_map(|pushed| pushed.iter()).collect();
        let own: Vec<&BTreeSet<String>> = all
            .iter()
            .filter(|(text, _)| !per_copy.iter().all(|pushed| pushed.contains_key(**text)))
            .map(|(_, columns)| *columns)
            .collect();
        let picks_partitions = own
            .iter()
            .any(|columns| PARTITION_COLUMNS.iter().any(|p| columns.contains(*p)));
        if readers < 2 || picks_partitions {
            return false;
        }
        let kept_with_readers: HashSet<String> = own.into_iter().flatten().cloned().collect();
        let mut columns = learnt.needed.clone();
        columns.extend(all.values().flat_map(|c| c.iter().cloned()));
        learnt.settled = Some((columns, kept_with_readers));
        true
    }

    /// The operator for one copy: the same batches as the other copies when it was
    /// planned the same, its own otherwise.
    fn exec(&self, logical: &LogicalPlan, input: Arc<dyn ExecutionPlan>) -> Arc<SharedExec> {
        let mut planned = self.planned.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(first) = planned.as_ref()
            && first.logical == *logical
            && let Some(results) = first.results.upgrade()
            && results.fits(&input)
        {
            return Arc::new(SharedExec::new(input, results));
        }
        let results = SharedResults::for_input(&input);
        *planned = Some(Planned {
            logical: logical.clone(),
            results: Arc::downgrade(&results),
        });
        Arc::new(SharedExec::new(input, results))
    }
}

/// One copy of a repeated subquery in a logical plan.
#[derive(Debug, Clone)]
struct Shared {
    input: LogicalPlan,
    state: Arc<SharedState>,
    occurrence: usize,
}

impl PartialEq for Shared {
    fn eq(&self, other: &Shared) -> bool {
        self.state.id == other.state.id
            && self.occurrence == other.occurrence
            && self.input == other.input
    }
}

impl Eq for Shared {}

impl Hash for Shared {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.state.id.hash(state);
        self.occurrence.hash(state);
        self.input.hash(state);
    }
}

impl PartialOrd for Shared {
    fn partial_cmp(&self, other: &Shared) -> Option<std::cmp::Ordering> {
        match (self.state.id, self.occurrence).cmp(&(other.state.id, other.occurrence)) {
            std::cmp::Ordering::Equal if self.input != other.input => None,
            ordering => Some(ordering),
        }
    }
}

impl UserDefinedLogicalNodeCore for Shared {
    fn name(&self) -> &str {
        "Shared"
    }

    fn inputs(&self) -> Vec<&LogicalPlan> {
        vec![&self.input]
    }

    fn schema(&self) -> &DFSchemaRef {
        self.input.schema()
    }

    fn expressions(&self) -> Vec<Expr> {
        Vec::new()
    }

    fn fmt_for_explain(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Shared: id={}", self.state.id)
    }

    fn with_exprs_and_inputs(
        &self,
        _exprs: Vec<Expr>,
        mut inputs: Vec<LogicalPlan>,
    ) -> Result<Self> {
        let input = inputs.swap_remove(0);
        // A filter put right above the old input was pushed into this copy by a reader.
        if let LogicalPlan::Filter(filter) = &input
            && *filter.input == self.input
        {
            let mut learnt = self.state.learnt();
            if learnt.settled.is_none() {
                let pushed = learnt.pushed.entry(self.occurrence).or_default();
                for conjunct in split_conjunction(&filter.predicate) {
                    let columns = conjunct.column_refs().into_iter().map(|c| c.name.clone());
                    pushed
                        .entry(conjunct.to_string())
                        .or_default()
                        .extend(columns);
                }
            }
        }
        Ok(Shared {
            input,
            state: self.state.clone(),
            occurrence: self.occurrence,
        })
    }

    fn prevent_predicate_push_down_columns(&self) -> HashSet<String> {
        match &self.state.learnt().settled {
            Some((_, kept_with_readers)) => kept_with_readers.clone(),
            None => HashSet::new(),
        }
    }

    fn necessary_children_exprs(&self, output_columns: &[usize]) -> Option<Vec<Vec<usize>>> {
        let fields = self.input.schema().fields();
        let mut learnt = self.state.learnt();
        let mut wanted: BTreeSet<usize> = output_columns.iter().copied().collect();
        match &learnt.settled {
            Some((columns, _)) => wanted.extend(
                fields
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| columns.contains(f.name()))
                    .map(|(i, _)| i),
            ),
            None => learnt.needed.extend(
                output_columns
                    .iter()
                    .filter_map(|&i| fields.get(i).map(|f| f.name().clone())),
            ),
        }
        Some(vec![wanted.into_iter().collect()])
    }
}

#[async_trait]
impl QueryPlanner for SharingPlanner {
    async fn create_physical_plan(
        &self,
        logical_plan: &LogicalPlan,
        session: &dyn Session,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        DefaultPhysicalPlanner::with_extension_planners(vec![Arc::new(SharedPlanner)])
            .create_physical_plan(logical_plan, session)
            .await
    }
}

#[derive(Debug)]
struct SharedPlanner;

#[async_trait]
impl ExtensionPlanner for SharedPlanner {
    async fn plan_extension(
        &self,
        _planner: &dyn PhysicalPlanner,
        node: &dyn UserDefinedLogicalNode,
        logical_inputs: &[&LogicalPlan],
        physical_inputs: &[Arc<dyn ExecutionPlan>],
        _session: &dyn Session,
        _planning: &PhysicalPlanningContext,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        let Some(shared) = node.as_any().downcast_ref::<Shared>() else {
            return Ok(None);
        };
        let exec = shared
            .state
            .exec(logical_inputs[0], physical_inputs[0].clone());
        Ok(Some(exec))
    }
}

type Batches = Arc<[RecordBatch]>;

/// The batches, computed by the first copy that runs. One partition: the copies'
/// inputs are the same rows but need not be split into partitions alike (the files of a
/// scan are grouped as their sizes are learnt), so what is shared is all of them.
#[derive(Debug)]
struct SharedResults {
    schema: datafusion::arrow::datatypes::SchemaRef,
    /// The input plan, as displayed, of the first copy that ran: a copy whose input the
    /// physical optimiser made otherwise computes its own.
    plan: std::sync::OnceLock<String>,
    batches: OnceCell<Batches>,
}

impl SharedResults {
    fn for_input(input: &Arc<dyn ExecutionPlan>) -> Arc<SharedResults> {
        Arc::new(SharedResults {
            schema: input.schema(),
            plan: std::sync::OnceLock::new(),
            batches: OnceCell::new(),
        })
    }

    fn fits(&self, input: &Arc<dyn ExecutionPlan>) -> bool {
        self.schema == input.schema()
    }
}

/// Runs its input once, whichever of the plan's copies asks first, and gives every copy
/// the same batches, as one partition.
#[derive(Debug)]
struct SharedExec {
    input: Arc<dyn ExecutionPlan>,
    results: Arc<SharedResults>,
    properties: Arc<PlanProperties>,
}

impl SharedExec {
    fn new(input: Arc<dyn ExecutionPlan>, results: Arc<SharedResults>) -> SharedExec {
        // No order is promised: the copies' inputs may be sorted differently (the optimiser
        // may push a sort into one copy), and the batches are those of whichever ran first.
        let mut equivalences = input.equivalence_properties().clone();
        equivalences.clear_orderings();
        equivalences.clear_per_partition_constants();
        let properties = input
            .properties()
            .as_ref()
            .clone()
            .with_partitioning(Partitioning::UnknownPartitioning(1))
            .with_eq_properties(equivalences)
            .with_emission_type(EmissionType::Final);
        SharedExec {
            input,
            results,
            properties: Arc::new(properties),
        }
    }
}

impl DisplayAs for SharedExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "SharedExec")
    }
}

impl ExecutionPlan for SharedExec {
    fn name(&self) -> &str {
        "SharedExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn required_input_distribution(&self) -> Vec<Distribution> {
        vec![Distribution::SinglePartition]
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![false]
    }

    // The input's rows, all of them: a join puts the smaller side where it belongs.
    fn child_stats_requests(&self, _partition: Option<usize>) -> Vec<ChildStats> {
        vec![ChildStats::At(None)]
    }

    fn statistics_from_inputs(
        &self,
        input_stats: &[Arc<Statistics>],
        _args: &StatisticsArgs,
    ) -> Result<Arc<Statistics>> {
        Ok(input_stats[0].clone())
    }

    fn cardinality_effect(&self) -> CardinalityEffect {
        CardinalityEffect::Equal
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let input = children.swap_remove(0);
        // The copies are rewritten alike; one rewritten otherwise computes its own.
        let results = if self.results.fits(&input) {
            self.results.clone()
        } else {
            SharedResults::for_input(&input)
        };
        Ok(Arc::new(SharedExec::new(input, results)))
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    // Run again from scratch, a copy computes its own batches.
    fn reset_state(self: Arc<Self>) -> Result<Arc<dyn ExecutionPlan>> {
        let results = SharedResults::for_input(&self.input);
        Ok(Arc::new(SharedExec::new(self.input.clone(), results)))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!(
                "SharedExec has one partition, not {partition}"
            )));
        }
        let results = self.results.clone();
        let mut input = self.input.clone();
        if input.output_partitioning().partition_count() > 1 {
            input = Arc::new(CoalescePartitionsExec::new(input));
        }
        let plan = with_generated_names_numbered_alike(
            &displayable(input.as_ref()).indent(true).to_string(),
        );
        if *results.plan.get_or_init(|| plan.clone()) != plan {
            return input.execute(0, context);
        }
        let batches = async move {
            // Computed in a task of its own, so that it goes on whichever copy waits.
            let batches = results
                .batches
                .get_or_try_init(|| async move {
                    let task = SpawnedTask::spawn(async move {
                        input.execute(0, context)?.try_collect::<Vec<_>>().await
                    });
                    let batches = task
                        .join_unwind()
                        .await
                        .map_err(|e| DataFusionError::ExecutionJoin(Box::new(e)))??;
                    Ok::<Batches, DataFusionError>(batches.into())
                })
                .await?
                .clone();
            let count = batches.len();
            Ok::<_, DataFusionError>(futures::stream::iter(
                (0..count).map(move |i| Ok(batches[i].clone())),
            ))
        };
        let stream = futures::stream::once(batches).try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema(),
            stream.boxed(),
        )))
    }
}

/// The names the physical optimiser makes up (`join_proj_push_down_<n>`, numbered across
/// the whole plan) renumbered from 1 in the order they appear: two copies that differ only
/// in which numbers they drew compute the same rows.
fn with_generated_names_numbered_alike(plan: &str) -> String {
    const GENERATED: &str = "join_proj_push_down_";
    let mut numbers: Vec<&str> = Vec::new();
    let mut out = String::with_capacity(plan.len());
    let mut rest = plan;
    while let Some(at) = rest.find(GENERATED) {
        let after = at + GENERATED.len();
        let digits = rest[after..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - after);
        let number = &rest[after..after + digits];
        if number.is_empty() {
            out.push_str(&rest[..after]);
            rest = &rest[after..];
            continue;
        }
        let position = match numbers.iter().position(|n| *n == number) {
            Some(position) => position,
            None => {
                numbers.push(number);
                numbers.len() - 1
            }
        };
        out.push_str(&rest[..after]);
        out.push_str(&(position + 1).to_string());
        rest = &rest[after + digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use datafusion::arrow::array::{AsArray, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
    use datafusion::datasource::MemTable;
    use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};

    use super::*;

    /// A session with `tal` (x = 0..1000, projekt A, B, C, D in turn, in four batches)
    /// and `raknad(x)`, which returns x and counts the rows it is given.
    fn counting_session() -> (SessionContext, Arc<AtomicUsize>) {
        let ctx = session(SessionConfig::new().with_target_partitions(2));
        let schema = Arc::new(Schema::new(vec![
            Field::new("x", DataType::Int64, false),
            Field::new("projekt", DataType::Utf8, false),
        ]));
        let batches: Vec<RecordBatch> = (0..4)
            .map(|part| {
                let x: Vec<i64> = (part * 250..(part + 1) * 250).collect();
                let projekt: Vec<&str> = x
                    .iter()
                    .map(|x| ["A", "B", "C", "D"][*x as usize % 4])
                    .collect();
                RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        Arc::new(Int64Array::from(x)),
                        Arc::new(StringArray::from(projekt)),
                    ],
                )
                .unwrap()
            })
            .collect();
        let table =
            MemTable::try_new(schema, vec![batches[..2].to_vec(), batches[2..].to_vec()]).unwrap();
        ctx.register_table("tal", Arc::new(table)).unwrap();
        let counted = Arc::new(AtomicUsize::new(0));
        let counter = counted.clone();
        ctx.register_udf(create_udf(
            "raknad",
            vec![DataType::Int64],
            DataType::Int64,
            Volatility::Immutable,
            Arc::new(move |args: &[ColumnarValue]| {
                let arrays = ColumnarValue::values_to_arrays(args)?;
                counter.fetch_add(arrays[0].len(), Ordering::Relaxed);
                Ok(ColumnarValue::Array(arrays[0].clone()))
            }),
        ));
        (ctx, counted)
    }

    async fn numbers(ctx: &SessionContext, sql: &str) -> Vec<i64> {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        batches
            .iter()
            .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
            .collect()
    }

    /// The numbers `sql` gives in a fresh [`counting_session`], and the rows `raknad` was
    /// given: 1000 for `tal` computed once.
    async fn counted(sql: &str) -> (Vec<i64>, usize) {
        let (ctx, counted) = counting_session();
        let numbers = numbers(&ctx, sql).await;
        (numbers, counted.load(Ordering::Relaxed))
    }

    #[tokio::test]
    async fn a_subquery_read_twice_is_computed_once() {
        // A self join: one copy builds the hash table while the other waits to probe.
        let sql = "WITH t AS (SELECT raknad(x) AS x, x % 3 AS rest FROM tal GROUP BY 1, 2)
                   SELECT count(*) FROM t a JOIN t b ON a.x = b.x + 1 WHERE a.rest = 0";
        assert_eq!(counted(sql).await, (vec![333], 1000));
    }

    #[tokio::test]
    async fn a_reader_that_sorts_gets_its_rows_in_order() {
        // One copy is numbered in order (a window sorts it), the other builds a hash join:
        // the numbering is right whichever copy's input computed the shared rows.
        let sql = "WITH t AS (SELECT raknad(x) AS x FROM tal GROUP BY 1)
                   SELECT CAST(sum(CAST(a.rn AS BIGINT) - a.x) AS BIGINT) FROM t b
                   JOIN (SELECT x, row_number() OVER (ORDER BY x) AS rn FROM t) a ON a.x = b.x";
        let (numbers, _) = counted(sql).await;
        assert_eq!(numbers, vec![1000]);
    }

    #[tokio::test]
    async fn readers_filtering_other_rows_share_and_filter_after() {
        let sql = "WITH t AS (SELECT raknad(x) AS x FROM tal GROUP BY 1)
                   SELECT count(*) FROM t WHERE x < 10
                   UNION ALL SELECT count(*) FROM t WHERE x >= 900
                   ORDER BY 1";
        assert_eq!(counted(sql).await, (vec![10, 100], 1000));
    }

    #[tokio::test]
    async fn what_only_reads_is_read_again_not_held() {
        let sql = "WITH t AS (SELECT raknad(x) AS x FROM tal)
                   SELECT count(*) FROM t WHERE x < 10
                   UNION ALL SELECT count(*) FROM t WHERE x >= 900
                   ORDER BY 1";
        assert_eq!(counted(sql).await, (vec![10, 100], 2000));
    }

    #[tokio::test]
    async fn readers_choosing_other_projects_read_their_own() {
        let sql = "WITH t AS (SELECT raknad(x) AS x, projekt FROM tal GROUP BY 1, 2)
                   SELECT min(x) FROM t WHERE projekt = 'A'
                   UNION ALL SELECT sum(x) FROM t WHERE projekt = 'B'
                   ORDER BY 1";
        // B: 1 + 5 + ... + 997. Each copy computes its own project's rows, not all four
        // projects' once.
        assert_eq!(counted(sql).await, (vec![0, 124_750], 500));
        let (ctx, _) = counting_session();
        let plan = printed(&ctx, &format!("EXPLAIN {sql}")).await;
        assert!(!plan.contains("Shared"), "{plan}");
    }

    async fn printed(ctx: &SessionContext, sql: &str) -> String {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        datafusion::arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string()
    }

    #[test]
    fn copies_differing_only_in_generated_names_are_alike() {
        let first = "NestedLoopJoinExec: filter=join_proj_push_down_1@2 OR k@1 = k@0\n  \
                     ProjectionExec: expr=[k@2 IS NULL as join_proj_push_down_1]";
        let second = first
            .replace("_down_1@", "_down_7@")
            .replace("_down_1]", "_down_7]");
        assert_ne!(first, second);
        assert_eq!(
            with_generated_names_numbered_alike(first),
            with_generated_names_numbered_alike(&second)
        );
        // A name without a number is not one of them.
        assert_eq!(
            with_generated_names_numbered_alike("join_proj_push_down_x, join_proj_push_down_12x"),
            "join_proj_push_down_x, join_proj_push_down_1x"
        );
        let other = first.replacen("_down_1@", "_down_2@", 1);
        assert_ne!(
            with_generated_names_numbered_alike(first),
            with_generated_names_numbered_alike(&other)
        );
    }

    #[tokio::test]
    async fn readers_joining_on_a_condition_with_or_share_it() {
        // The physical optimiser gives each copy's join its own made-up column name
        // (join_proj_push_down_1, _2): the copies are still computed once.
        let sql = "WITH t AS (SELECT raknad(x) AS x, projekt FROM tal GROUP BY 1, 2),
                   u AS (SELECT t.x, t.projekt FROM t
                         JOIN (VALUES ('A'), (NULL)) v(p) ON v.p IS NULL OR v.p = t.projekt)
                   SELECT count(*) FROM u WHERE x < 10
                   UNION ALL SELECT count(*) FROM u WHERE x >= 900
                   ORDER BY 1";
        // x < 10: 10 rows with p NULL + 3 with A (0, 4, 8); x >= 900: 100 + 25.
        assert_eq!(counted(sql).await, (vec![13, 125], 1000));
    }

    #[tokio::test]
    async fn readers_choosing_the_same_project_share_it() {
        let sql = "WITH t AS (SELECT raknad(x) AS x, projekt FROM tal GROUP BY 1, 2)
                   SELECT sum(x) FROM t WHERE projekt = 'C'
                   UNION ALL SELECT max(x) FROM t WHERE projekt = 'C'
                   ORDER BY 1";
        // C: 2 + 6 + ... + 998.
        assert_eq!(counted(sql).await, (vec![998, 125_000], 250));
    }
}
