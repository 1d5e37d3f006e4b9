//! The KPI drivers as the reports name them: for each bad KPI outcome (low CSAT, high effort,
//! unresolved contacts), the themes that significantly raise it (q < 0.05 across themes within
//! the KPI, enough mentions to test, a positive difference), in the table's order (largest
//! difference first). Computed in [`crate::stats::kpi_drivers`]; chosen here once so the
//! headline and the KPI section of every renderer name the same themes.

use crate::stats::kpi_drivers::{KpiDrivers, KpiOutcome};

/// A theme named behind a KPI outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiCause {
    pub id: String,
    pub name: String,
    /// Outcome rate with the theme minus without, percentage points (positive).
    pub difference_points: f64,
    pub q_value: Option<f64>,
}

/// One KPI outcome and the themes behind it (none when no theme stands out).
#[derive(Debug, Clone, PartialEq)]
pub struct KpiCauses {
    /// "low CSAT", "high effort", "unresolved contacts".
    pub outcome: String,
    pub themes: Vec<KpiCause>,
}

/// One entry per KPI table of the run, CSAT, CES, FCR in order.
pub fn causes(d: &KpiDrivers) -> Vec<KpiCauses> {
    d.tables
        .iter()
        .map(|t| KpiCauses {
            outcome: KpiOutcome::from_id(&t.outcome)
                .map_or_else(|| t.outcome.clone(), |o| o.short().to_string()),
            themes: t
                .raising()
                .filter(|x| x.caution.is_none())
                .map(|x| KpiCause {
                    id: x.id.clone(),
                    name: x.name.clone(),
                    difference_points: x.difference_points.unwrap_or(0.0),
                    q_value: x.q_value,
                })
                .collect(),
        })
        .collect()
}

/// Whether any theme is named behind any KPI outcome (the headline names them only then).
pub fn any(causes: &[KpiCauses]) -> bool {
    causes.iter().any(|c| !c.themes.is_empty())
}
