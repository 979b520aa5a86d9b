"""Train a model in one of three loop styles, which give identical results.

    options = LoopOptions.from_config(train_cfg, device, run_dir, resume)
    history = run_training_script(model, loss_fn, optimizer, train_loader, val_loader, 10,
                                  metrics, scheduler, options)

An app's `train()` imports its default style from that style's module; `styles.py` names all
three for the front-ends' `--loop`. The route of a run, in the order to read it:
1. `options.py`: `LoopOptions`, everything about how to run (device, AMP, files, resume...),
   and `TrainingLoop`, the call every style answers;
2. the loop, in one of three styles: `script_style.run_training_script` (one flat
   function, the tutorial's inline loop), `function_style.train_model` (`train_step`,
   one function per epoch), `keras_style.fit_keras_model` (a `KerasModel` with `fit`,
   `evaluate`, `predict`, on top of the function style);
3. `run.py`, what every style calls around its epochs: `start_training` (device, torchrun,
   resume from `last.pt`), `end_epoch` (history, best weights, `last.pt`, early stopping)
   and `finish_training`;
4. `steps.py`, the pieces inside an epoch (batches, update steps, stop on Ctrl-C or nan);
   `evaluation.py`, one pass without gradients (`evaluate_model` scores the test split).
Below them: `history.py` (history.csv), `distributed.py` (torchrun), `common.checkpoint`.
"""
