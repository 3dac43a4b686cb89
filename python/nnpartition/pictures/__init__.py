"""See the partition: exact region polygons of a network, partition plots and training movies.

:func:`region_polygons` returns the exact linear regions of a ReLU (or leaky
ReLU) network inside a 2-D window, computed in Rust layer by layer: on a
region of layer ``l`` each unit of layer ``l + 1`` is affine, so its zero set
is a line that cuts the region's convex polygon. No pixels are sampled. For
``d == 2`` the window is a box of the input plane; for ``d > 2`` it is a box
of a 2-D affine slice (:class:`Plane`), usually through three data points.

:func:`plot_partition` draws the polygons with matplotlib and :func:`movie`
renders them as a network trains. See ``docs/pictures.md``.

Four parts: the window (:mod:`.geometry`: :class:`Plane`, the box, projections onto the plane), the polygons
(:mod:`.polygons`: :func:`region_polygons`, :class:`RegionPolygons`), the drawing (:mod:`.drawing`:
:func:`plot_partition`, :func:`window_for`, the colours, the command line's labels and key) and the training movie
(:mod:`.movies`: :func:`movie`, :class:`MovieResult`).
"""

from .drawing import COLOR_MODES, DEFAULT_MAX_POINTS, plot_partition, window_for
from .geometry import Plane
from .movies import MovieResult, movie
from .polygons import DEFAULT_MAX_REGIONS, DEFAULT_TOL, RegionPolygons, region_polygons
# the module's other names of before the split (constants a caller may read, the types of the signatures, and the
# helpers the tests import)
from .drawing import CLASS_COLOURS as CLASS_COLOURS, KEY_INCHES as KEY_INCHES, POINT_COLOURS as POINT_COLOURS
from .drawing import POINT_MARKERS as POINT_MARKERS
from .geometry import BoxLike as BoxLike, _distance as _distance, _project as _project
from .geometry import _window_bounds as _window_bounds
from .movies import MAX_DPI as MAX_DPI, MAX_FRAMES as MAX_FRAMES, MIN_DPI as MIN_DPI
from .polygons import Network as Network, _polygon_moments as _polygon_moments

__all__ = ["Plane", "RegionPolygons", "region_polygons", "plot_partition", "window_for", "movie", "MovieResult",
           "DEFAULT_MAX_REGIONS", "DEFAULT_MAX_POINTS", "DEFAULT_TOL", "COLOR_MODES"]
