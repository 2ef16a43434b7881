"""Regenerates every golden file: runs each gen_*.py in this folder.

Each gen_*.py writes <area>.safetensors here with inputs, outputs and gradients computed by
PyTorch, plus a metadata entry recording the torch version. Deterministic: fixed seeds.
"""
import glob
import os
import runpy

import torch

here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)
torch.set_num_threads(1)
for script in sorted(glob.glob("gen_*.py")):
    print(f"goldens: {script}")
    runpy.run_path(script, run_name="__main__")
