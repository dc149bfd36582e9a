//! `kdrsim explain FILE`: the static reading of a topology (see
//! `kdrsim_models::explain` for the rules), printed without simulating.

use kdrsim::models::explain::explain;
use kdrsim::Model;

/// The text `kdrsim explain` prints for one model.
pub fn explain_text(model: &Model) -> String {
    explain(model).render()
}
