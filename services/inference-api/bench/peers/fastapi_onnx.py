"""The Python peer of `pnpm bench`: FastAPI + onnxruntime serving the same model.onnx, loaded once.

POST /predict takes the same row as the inference API ({the 10 numeric features, Wilderness_Area,
Soil_Type}) and answers {Cover_Type, probabilities}; GET /healthz answers once the model is loaded.
Run: MODEL_PATH=model.onnx PORT=8990 python3 fastapi_onnx.py (one uvicorn worker, one onnxruntime
intra-op thread, as the inference API runs per process). Needs fastapi, uvicorn, onnxruntime, numpy.
"""

import os

import numpy as np
import onnxruntime as ort
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

NUMERIC = [
    "Elevation",
    "Aspect",
    "Slope",
    "Horizontal_Distance_To_Hydrology",
    "Vertical_Distance_To_Hydrology",
    "Horizontal_Distance_To_Roadways",
    "Hillshade_9am",
    "Hillshade_Noon",
    "Hillshade_3pm",
    "Horizontal_Distance_To_Fire_Points",
]


class Row(BaseModel):
    Elevation: float
    Aspect: float
    Slope: float
    Horizontal_Distance_To_Hydrology: float
    Vertical_Distance_To_Hydrology: float
    Horizontal_Distance_To_Roadways: float
    Hillshade_9am: float
    Hillshade_Noon: float
    Hillshade_3pm: float
    Horizontal_Distance_To_Fire_Points: float
    Wilderness_Area: str | None = None
    Soil_Type: int | None = None


options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
session = ort.InferenceSession(os.environ["MODEL_PATH"], options, providers=["CPUExecutionProvider"])
app = FastAPI()


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.post("/predict")
def predict(row: Row):
    feeds = {
        "numeric": np.array([[getattr(row, f) for f in NUMERIC]], dtype=np.float32),
        "Wilderness_Area": np.array([[row.Wilderness_Area or ""]], dtype=object),
        "Soil_Type": np.array([[row.Soil_Type or 0]], dtype=np.int64),
    }
    label, probabilities = session.run(["label", "probabilities"], feeds)
    return {"Cover_Type": int(label[0]), "probabilities": probabilities[0].tolist()}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8990")), log_level="warning", access_log=False)
