"""TiGrIS-MLIR: plan int8 neural networks into a fixed microcontroller RAM budget."""
__version__ = "0.1.0"
