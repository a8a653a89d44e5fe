"""Form data for decision posts."""

from __future__ import annotations


def targeted(case, index=0, **extra):
    """Form data of a targeted-therapy recommendation on the case's biomarker ``index``."""
    values = {"kind": "targeted_therapy", "drug": "Osimertinib", "biomarker_id": str(case.biomarkers[index].id),
              "evidence": "escat:I-A", "oncokb_level": "1", "access_route": "approved", "rationale": "FLAURA"}
    if "escat_tier" in extra:  # callers of the services may still give the ESCAT tier alone
        values.pop("evidence")
    values.update(extra)
    return values


def form_post(summary: str, recommendations: list[dict], **extra) -> dict:
    data = {"summary": summary}
    for i, rec in enumerate(recommendations):
        for key, value in rec.items():
            if key == "escat_tier":  # the form's list holds every scale: "escat:II-B"
                key, value = "evidence", f"escat:{value}" if value else ""
            data[f"recommendations-{i}-{key}"] = value
    data.update(extra)
    return data
