"""`refapps titanic cv` and `refapps bench titanic`: two rules that learn (almost) nothing.

    refapps titanic cv      # gender_rule and wcg_rule beside the network, on the same folds

- `gender_rule`: each sex gets the majority outcome of its sex among the training passengers
  (in practice: women survive, men die).
- `wcg_rule`, the woman-child-group rule (C. Deotte, Kaggle kernel "Titanic using Name only",
  2018): men die, women live, boys ("Master") die; except that a woman whose woman-child
  group all died dies, and a boy whose woman-child group all survived lives. A group is
  surname + class + ticket without its last character + fare + port, over women and boys
  only; a woman or boy alone in it joins the group of the first passenger with the same
  class, ticket prefix, fare and port. A group with no training member decides by class, as
  in the kernel: all died in 3rd class, all survived otherwise. (The kernel's hand-made fix
  of one passenger's group is left out.)

Both rules get the held-out passengers WITHOUT their outcome: group outcomes come from the
training passengers only, exactly as the network's mate features do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..features import TARGET

NO_GROUP = "noGroup"


def gender_rule(train_df: pd.DataFrame, new_df: pd.DataFrame) -> np.ndarray:
    """1 (survived) or 0 for each row of `new_df`: the training majority of its sex."""
    majority = train_df.groupby("Sex")[TARGET].mean().ge(0.5).astype(int)
    return new_df["Sex"].map(majority).fillna(0).to_numpy(dtype=int)


def _who(df: pd.DataFrame) -> np.ndarray:
    """'woman', 'boy' (a "Master") or 'man' for each passenger."""
    names = df["Name"].astype("string").fillna("")
    boy = names.str.contains("Master", regex=False).to_numpy(dtype=bool)
    return np.where(df["Sex"].to_numpy() == "female", "woman", np.where(boy, "boy", "man"))


def wcg_groups(df: pd.DataFrame) -> np.ndarray:
    """The woman-child group of each passenger (`NO_GROUP` for men and for those alone)."""
    ticket = df["Ticket"].astype("string").fillna("").str.strip().str[:-1] + "X"
    fare = df["Fare"].map(lambda f: f"{f:.4f}")
    place = df["Pclass"].astype(str) + "-" + ticket + "-" + fare + "-" + df["Embarked"].astype(str)
    surname = df["Name"].astype("string").fillna("").str.split(",").str[0].str.strip()
    groups = (surname + "-" + place).to_numpy(dtype=object)
    who = _who(df)
    groups[who == "man"] = NO_GROUP
    sizes = pd.Series(groups).map(pd.Series(groups).value_counts()).to_numpy()
    groups[sizes <= 1] = NO_GROUP
    first_group = pd.Series(groups).groupby(place.to_numpy()).first()  # the first per place
    alone = (who != "man") & (groups == NO_GROUP)
    groups[alone] = place[alone].map(first_group).to_numpy()
    return groups


def wcg_rule(train_df: pd.DataFrame, new_df: pd.DataFrame) -> np.ndarray:
    """1 (survived) or 0 for each row of `new_df`, from the training passengers' outcomes."""
    both = pd.concat([train_df.drop(columns=[TARGET]), new_df], ignore_index=True)
    groups = wcg_groups(both)  # groups from everyone's features; outcomes from training only
    train_groups, new_groups = groups[: len(train_df)], groups[len(train_df) :]
    rate = pd.Series(train_df[TARGET].to_numpy(dtype=float)).groupby(train_groups).mean()
    who = _who(new_df)
    in_group = new_groups != NO_GROUP
    by_class = np.where(new_df["Pclass"].to_numpy() == 3, 0.0, 1.0)  # no training member
    group_rate = pd.Series(new_groups).map(rate).to_numpy(dtype=float)
    group_rate = np.where(np.isnan(group_rate), by_class, group_rate)
    died = (who == "woman") & in_group & (group_rate == 0.0)
    lived = (who == "boy") & in_group & (group_rate == 1.0)
    return (((who == "woman") & ~died) | lived).astype(int)


RULES = {"gender_rule": gender_rule, "wcg_rule": wcg_rule}
