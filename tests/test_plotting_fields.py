"""ilcourse.plotting.fields and ilcourse.widgets.fields: shapes, and nothing crashes on CPU tensors."""

import functools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import ilcourse  # noqa: E402
from ilcourse import flow  # noqa: E402
from ilcourse.plotting import fields as pf  # noqa: E402
from ilcourse.policies import FlowPolicy  # noqa: E402
from ilcourse.widgets import fields as wf  # noqa: E402

W1, M1, S1 = torch.tensor([0.5, 0.5]), torch.tensor([[-1.0], [1.0]]), torch.tensor([[0.2], [0.2]])
W2, M2, S2 = torch.tensor([0.5, 0.5]), torch.tensor([[1.0, -0.8], [-1.0, 0.8]]), torch.tensor([[0.2, 0.2], [0.2, 0.2]])
V1 = functools.partial(flow.mixture_velocity, weights=W1, means=M1, stds=S1)
V2 = functools.partial(flow.mixture_velocity, weights=W2, means=M2, stds=S2)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_evaluate_field_shapes_and_float_time():
    out = pf.evaluate_field(V2, np.zeros((7, 2)), 0.3)
    assert isinstance(out, np.ndarray) and out.shape == (7, 2)
    out = pf.evaluate_field(V1, torch.zeros(5, 1), torch.linspace(0, 1, 5))
    assert out.shape == (5, 1)


def test_grid_and_plot_1d():
    T, X, V = pf.grid_field_1d(V1, (-2, 2), num_t=11, num_x=13)
    assert T.shape == X.shape == V.shape == (13, 11)
    np.testing.assert_allclose(V[:, 0], -X[:, 0], atol=1e-5)  # t = 0: v = E[x1] - x = -x
    ax = pf.plot_field_1d(V1, x_range=(-2, 2), num_t=11, num_x=13, title="exact")
    path = flow.euler(V1, torch.randn(9, 1, generator=ilcourse.make_generator(0)), 5, return_path=True)
    pf.plot_paths_1d(ax, path, markers=True)
    pf.plot_paths_1d(ax, path.squeeze(-1).numpy(), color_by_end=False)
    assert len(ax.lines) == 18


def test_plots_2d_and_policy_field_with_grad_enabled():
    X, Y, U, V = pf.grid_field_2d(V2, 0.5, num=6)
    assert X.shape == Y.shape == U.shape == V.shape == (6, 6)
    pf.quiver_field_2d(V2, 0.9, num=6, title="q")
    pf.stream_field_2d(V2, 0.2, num=9)
    pol = FlowPolicy(obs_dim=3, act_dim=2, hidden=8)  # a network field: outputs require grad
    ax = pf.quiver_field_2d(pol.field(torch.zeros(3)), 0.0, num=5)
    pf.plot_samples_2d(ax, torch.randn(20, 2))


def test_animation_frames_and_html():
    path = flow.euler(V2, torch.randn(30, 2, generator=ilcourse.make_generator(1)), 4, return_path=True)
    anim = pf.animate_flow_2d(V2, path, num=5, dpi=30, figsize=(2, 2))
    html = anim.to_jshtml()
    assert "<img" in html or "frames" in html


def test_histogram_and_valley():
    a = torch.tensor([-1.0, -0.2, 0.1, 0.49, 1.2])
    assert pf.valley_fraction(a) == pytest.approx(0.6)
    _, ax = plt.subplots()
    pf.histogram_1d(ax, a)


def test_widgets_build_without_a_frontend():
    path = flow.euler(V2, torch.randn(20, 2, generator=ilcourse.make_generator(2)), 3, return_path=True)
    w = wf.flow_time_slider([("exact", V2, path), ("again", V2, path)], num=5)
    assert w.children[0].max == 1.0
    x0 = torch.randn(25, 1, generator=ilcourse.make_generator(3))
    w = wf.euler_steps_explorer({"mixture": V1, "shifted": lambda x, t: V1(x - 0.5, t)}, x0, steps_options=(1, 4))
    assert len(w.children) >= 2


def test_field_slices_draw_one_line_per_time_with_the_field_values():
    fig, ax = plt.subplots()
    pf.plot_field_slices_1d(ax, V1, (0.0, 0.5, 0.95), x_range=(-2.0, 2.0), num_x=41, label="exact")
    lines = [line for line in ax.get_lines() if line.get_label().startswith("exact")]
    assert len(lines) == 3
    x, y = lines[2].get_data()
    expected = flow.mixture_velocity(torch.tensor(x, dtype=torch.float32)[:, None], 0.95, W1, M1, S1)[:, 0].numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_animation_html_needs_no_network():
    from ilcourse.plotting.fields import animate_flow_2d, animation_html

    path = torch.randn(3, 20, 2)
    anim = animate_flow_2d(lambda x, t: -x, path, num=5, title="flow")
    html = animation_html(anim, default_mode="once")
    assert "http://" not in html and "https://" not in html
    assert '<i class="fa' not in html and "\u25b6" in html  # the play button is a plain glyph
