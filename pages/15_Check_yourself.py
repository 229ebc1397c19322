"""Chapter 15: a quiz across chapters 1–14 whose numeric answers the app computes, with a score."""

import streamlit as st

from ropelab import chapters, ui
from ropelab.figures import c15_check_yourself as figures
from ropelab.lessons import c15_check_yourself as quiz

CHAPTER = 15

# Building a variant computes every answer with rope_core (a few milliseconds): cached per variant.
questions_for = st.cache_data(quiz.build_quiz, max_entries=32, show_spinner=False)


def chapter_link(number: int) -> None:
    """A link back to the chapter that teaches a point."""
    entry = chapters.chapter(number)
    st.page_link(entry.script, label=f"Review chapter {entry.number}: {entry.title}", icon=entry.icon)


def show_verdict(verdict: quiz.Verdict) -> None:
    if verdict.status == "correct":
        st.success(verdict.message, icon=":material/check_circle:")
    elif verdict.status == "wrong":
        st.error(verdict.message, icon=":material/cancel:")
    elif verdict.status == "invalid":
        st.warning(verdict.message, icon=":material/info:")


ui.start_page(CHAPTER)
ui.goal("to test yourself on every chapter, with answers the app computes rather than remembers.")
ui.prose(
    "At least one question from every chapter. Numeric answers are checked, within a stated tolerance, against "
    "the value the app computes with the same code its chapters run, so 40,890, 40890 and 4.089e4 are all read "
    "the same way; you may also type fractions like 3/4 and expressions with π like 3pi/4, 3π/4 or 3*pi/4. After "
    "you answer, the explanation appears with a link back to the chapter that teaches the point. Answers stay in "
    "this browser tab only."
)

top_left, top_right = st.columns([1, 2])
with top_left:
    seed = ui.slider(
        "Quiz variant",
        0,
        99,
        0,
        key="seed",
        help="Variant 0 uses the textbook numbers (d = 128, b = 10,000, …); others change the numbers. "
        "Share the link to give a class the same variant.",
    )
    reveal = ui.toggle("Show all answers", False, key="reveal", help="For lecturers: every explanation at once.")
summary = top_right.container()

questions = questions_for(seed)
verdicts: dict[str, quiz.Verdict] = {}
for number, question in enumerate(questions, start=1):
    entry = chapters.chapter(question.chapter)
    with st.container(border=True):
        st.markdown(f"**Question {number}** · chapter {entry.number}, *{entry.title}*")
        st.markdown(question.prompt)
        if question.chart is not None:
            offsets, scores = question.chart
            ui.chart(figures.period_question_chart(offsets, scores), key="period")
        # Answers are deliberately not bound to the URL: a shared link must not carry someone's answers.
        answer_key = f"q15_{seed}_{question.key}"
        if question.numeric:
            typed = st.text_input(
                "Your answer",
                key=answer_key,
                max_chars=quiz.MAX_ANSWER_CHARS,
                placeholder="a number, e.g. 6.28 or 3pi/4",
            )
            verdict = quiz.check_numeric(question, typed)
        else:
            picked = st.radio("Your answer", question.options, index=None, key=answer_key)
            verdict = quiz.check_choice(question, picked)
        verdicts[question.key] = verdict
        show_verdict(verdict)
        if reveal or verdict.status in ("correct", "wrong"):
            if reveal and verdict.status not in ("correct", "wrong"):
                answer = f"{question.answer:.6g}" if question.numeric else question.options[question.correct_option]
                st.markdown(f"**Answer:** {answer}")
            st.markdown(question.explanation)
            chapter_link(question.chapter)

ui.formula(quiz.check_numeric, caption="A numeric answer x counts when it is within the tolerance τ of the value x⋆.")

table = quiz.score_by_chapter(questions, verdicts)
correct = sum(right for right, _ in table.values())
answered = sum(verdict.status in ("correct", "wrong") for verdict in verdicts.values())
with summary:
    left, middle, right = st.columns(3)
    left.metric("Score", f"{correct} / {len(questions)}")
    middle.metric("Answered", f"{answered} / {len(questions)}")
    right.metric("Accuracy so far", f"{correct / answered:.0%}" if answered else "–")

st.subheader("Your score by chapter")
titles = {entry.number: entry.title for entry in chapters.CHAPTERS}
ui.chart(figures.chapter_score_chart(table, titles, seed=seed, answered=answered), key="scores")
weak = [number for number, (right, total) in table.items() if right < total]
if answered == len(questions) and weak:
    st.markdown("**Worth another look:**")
    for number in weak:
        chapter_link(number)
elif answered == len(questions):
    st.balloons()
    st.markdown("Every answer right. You can explain RoPE from Euler's formula to YaRN.")

ui.try_this(
    [
        "Answer with a deliberate typo such as `4O890` (letter O) to see how the checker reacts.",
        "Move the quiz variant: the numbers change, the reasoning does not. Can you answer a new variant without "
        "opening the chapters?",
        "Lecturers: pick a variant, switch on lecture mode, and share the link so the class sees the same numbers.",
    ]
)
ui.check_yourself(
    "Without computing: if the NTK factor doubles from s = 4 to s = 8 (d = 128), by roughly what factor does "
    "the new base b′ grow?",
    "A little more than 2: b′ = b·s^(d/(d−2)), so doubling s multiplies b′ by 2^(128/126) ≈ 2.02.",
)
ui.takeaway(
    "RoPE in one line: rotate each pair of query and key coordinates by position × its own frequency, and "
    "attention scores then see positions only through how far apart the tokens are."
)
ui.end_page(CHAPTER)
